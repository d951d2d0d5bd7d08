import { CairnError } from '../util/index.js';

/**
 * Errors of the raft core. The storage errors are part of the Storage contract: the log and the
 * state machine catch them by class and react (send a snapshot instead of entries, retry later).
 * A broken invariant (a bug, or a log that was corrupted, truncated or lost) is different: it
 * throws RaftInvariantError (raft-errors.ts), and the member must stop rather than go on.
 */

/** The entries asked for were compacted away into a snapshot. */
export class CompactedError extends CairnError {
  constructor(options?: { cause?: unknown }) {
    super('requested index is unavailable due to compaction', options);
  }
}

/** The entry asked for is beyond the end of the log. */
export class UnavailableError extends CairnError {
  constructor(options?: { cause?: unknown }) {
    super('requested entry at index is unavailable', options);
  }
}

/** A snapshot at or below the index of the snapshot already held. */
export class SnapshotOutOfDateError extends CairnError {
  constructor(options?: { cause?: unknown }) {
    super('requested index is older than the existing snapshot', options);
  }
}

/** The storage is making a snapshot right now; ask again later. */
export class SnapshotTemporarilyUnavailableError extends CairnError {
  constructor(options?: { cause?: unknown }) {
    super('snapshot is temporarily unavailable', options);
  }
}
