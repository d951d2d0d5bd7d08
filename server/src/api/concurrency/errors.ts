import { CairnError } from '../../util/index.js';

/*
 * The errors of the lock and election services. etcd serves both through an in-process client,
 * whose errors are plain Go errors: grpc-go sends every one of them as UNKNOWN with its text
 * (see toClientSideError). The texts below are etcd's own (concurrency and v3election packages),
 * checked against etcd 3.4.23.
 */

/** Proclaim by a key that is no longer the leader key of that revision (etcd's ErrElectionNotLeader). */
export class ElectionNotLeaderError extends CairnError {
  constructor() {
    super('election: not leader');
  }
}

/** Leader of an election without candidates (etcd's ErrElectionNoLeader). */
export class ElectionNoLeaderError extends CairnError {
  constructor() {
    super('election: no leader');
  }
}

/** Proclaim or Resign without its `leader` field (etcd's ErrMissingLeaderKey). */
export class MissingLeaderKeyError extends CairnError {
  constructor() {
    super('"leader" field must be provided');
  }
}

/**
 * The waiter's own key was deleted while it waited, but its lease lives (someone unlocked or
 * resigned for it). etcd 3.5's mutex reports this as ErrSessionExpired; 3.4.23 would hand out
 * the lock without a key.
 */
export class SessionExpiredError extends CairnError {
  constructor() {
    super('session expired');
  }
}

/** The watch a waiter relied on ended under it (the member is stopping); etcd's text for it. */
export class LostWatcherError extends CairnError {
  constructor() {
    super('lost watcher waiting for delete');
  }
}

/** The call was cancelled (client gone, deadline, lost leader) while it waited. */
export class WaitCancelledError extends CairnError {
  constructor(options?: { cause?: unknown }) {
    super('context canceled', options);
  }
}
