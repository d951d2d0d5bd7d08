import { CairnError } from '../../util/index.js';

/** A membership change that would break the configuration's rules; the configuration is unchanged. */
export class ConfChangeError extends CairnError {}

/** Progress tracking was driven against its contract (a bug in the caller, like etcd's panics). */
export class ProgressStateError extends CairnError {}
