import { CairnError } from '../util/index.js';

/**
 * A committed request the applier refuses: an alarm forbids it (etcd's "corrupt cluster",
 * "mvcc: database space exceeded"), or it is a request this member cannot apply.
 */
export class ApplyRefusedError extends CairnError {
  constructor(
    readonly reason: 'corrupt' | 'noSpace' | 'unsupported',
    detail?: string,
  ) {
    super(reason === 'corrupt' ? 'etcdserver: corrupt cluster' : reason === 'noSpace' ? 'etcdserver: mvcc: database space exceeded' : `cairn: cannot apply ${detail ?? 'the request'}`);
  }
}
