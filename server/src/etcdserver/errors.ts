import { CairnError } from '../util/index.js';

/**
 * Errors of the member, with etcd's own texts (etcdserver's errors): the API layer maps each
 * to etcd's gRPC code and client-facing string (rpctypes), which for these is the same text.
 */
export class ServerError extends CairnError {
  constructor(
    /** Which of etcd's server errors this is; the API maps on it. */
    readonly kind: ServerErrorKind,
    options?: { cause?: unknown },
  ) {
    super(SERVER_ERROR_TEXT[kind], options);
  }
}

export const SERVER_ERROR_TEXT = {
  stopped: 'etcdserver: server stopped',
  canceled: 'etcdserver: request cancelled',
  deadlineExceeded: 'context deadline exceeded',
  timeout: 'etcdserver: request timed out',
  timeoutDueToLeaderFail: 'etcdserver: request timed out, possibly due to previous leader failure',
  timeoutDueToConnectionLost: 'etcdserver: request timed out, possibly due to connection lost',
  timeoutLeaderTransfer: 'etcdserver: request timed out, leader transfer took too long',
  leaderChanged: 'etcdserver: leader changed',
  notEnoughStartedMembers: 'etcdserver: re-configuration failed due to not enough started members',
  noLeader: 'etcdserver: no leader',
  notLeader: 'etcdserver: not leader',
  requestTooLarge: 'etcdserver: request is too large',
  noSpace: 'etcdserver: mvcc: database space exceeded',
  tooManyRequests: 'etcdserver: too many requests',
  unhealthy: 'etcdserver: unhealthy cluster',
  keyNotFound: 'etcdserver: key not found',
  corrupt: 'etcdserver: corrupt cluster',
  badLeaderTransferee: 'etcdserver: bad leader transferee',
  learnerNotReady: 'etcdserver: can only promote a learner member which is in sync with leader',
  notSupportedForLearner: 'etcdserver: rpc not supported for learner',
  memberExist: 'etcdserver: member ID already exist',
  peerUrlExist: 'etcdserver: Peer URLs already exists',
  memberBadUrls: 'etcdserver: given member URLs are invalid',
  memberNotFound: 'etcdserver: member not found',
  memberNotLearner: 'etcdserver: can only promote a learner member',
  tooManyLearners: 'etcdserver: too many learner members in cluster',
} as const;

export type ServerErrorKind = keyof typeof SERVER_ERROR_TEXT;

/** A data dir or configuration a member cannot start from (names what is wrong). */
export class BootstrapError extends CairnError {}

/** A snapshot restore refused (bad input, an existing target) or failed; nothing is left behind. */
export class RestoreError extends CairnError {}

/** A part of clustering that is not built yet, said plainly. */
export class NotBuiltError extends CairnError {}
