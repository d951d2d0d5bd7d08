import { CairnError } from '../util/index.js';

/** The base of the peer transport's errors. */
export class TransportError extends CairnError {}

/** A peer URL the transport cannot serve or dial (not http://host:port). */
export class PeerUrlError extends TransportError {}

/** A peer answered a stream or snapshot request with a refusal (412 wrong cluster/member, 410 removed). */
export class PeerRefusedError extends TransportError {
  readonly status: number;

  constructor(status: number, detail: string) {
    super(`peer refused the request with ${status}${detail === '' ? '' : `: ${detail}`}`);
    this.status = status;
  }
}

/** A frame on a peer stream announces more bytes than any raft message may have. */
export class FrameTooLargeError extends TransportError {}

/**
 * The database bytes of a received snapshot do not match the SHA-256 trailer the sender wrote,
 * or the stream ended before a whole trailer arrived: the snapshot must not be used.
 */
export class SnapshotDigestError extends TransportError {}
