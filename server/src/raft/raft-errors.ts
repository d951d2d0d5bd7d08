import { CairnError } from '../util/index.js';

/** A proposal raft would not take: no leader known, a leadership transfer under way, too much uncommitted, or this node was removed. */
export class ProposalDroppedError extends CairnError {
  constructor(reason: string) {
    super(`raft proposal dropped: ${reason}`);
  }
}

/** A local message type (MsgHup, MsgBeat, ...) given to step() from outside. */
export class StepLocalMessageError extends CairnError {
  constructor() {
    super('raft: cannot step raft local message');
  }
}

/** A response from a node that has no progress here (not in the configuration). */
export class StepPeerNotFoundError extends CairnError {
  constructor() {
    super('raft: cannot step as peer not found');
  }
}

/** An invalid RaftConfig. */
export class RaftConfigError extends CairnError {}

/** A broken invariant: a bug in raft or a misuse by the application (etcd panics here). */
export class RaftInvariantError extends CairnError {}
