import { RaftConfigError } from './raft-errors.js';
import type { ReadOnlyOption } from './read-only.js';
import type { Storage } from './storage.js';
import type { Index, NodeId } from './types.js';

/** What a raft node is built from. Everything with a clock or randomness is injected. */
export interface RaftConfig {
  /** This node's id (not 0). */
  id: NodeId;
  /** Ticks without hearing a leader before a follower campaigns (randomised in [e, 2e)). */
  electionTick: number;
  /** Ticks between a leader's heartbeats; must be below electionTick. */
  heartbeatTick: number;
  /** The persisted log, hard state and snapshot raft reads (it never writes to it). */
  storage: Storage;
  /** The last index the application applied, when restarting (default 0). */
  applied?: Index;
  /** Bytes of entries per append message (default Infinity; at least one entry is always sent). */
  maxSizePerMsg?: number;
  /** Bytes of committed entries per Ready (default: maxSizePerMsg). */
  maxCommittedSizePerReady?: number;
  /** Bytes of proposed, uncommitted entry data the leader accepts before dropping proposals (default Infinity). */
  maxUncommittedEntriesSize?: number;
  /** Append messages in flight per follower in the replicate state. */
  maxInflightMsgs: number;
  /** Bytes of appends in flight per follower (default Infinity). */
  maxInflightBytes?: number;
  /** A leader that has not heard from a quorum within an election timeout steps down. */
  checkQuorum?: boolean;
  /** Campaign with a pre-vote round first, so a partitioned node does not disrupt the cluster. */
  preVote?: boolean;
  /** How ReadIndex is answered (default safe; leaseBased requires checkQuorum). */
  readOnlyOption?: ReadOnlyOption;
  /** Followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding?: boolean;
  /** A leader removed from (or demoted in) the configuration steps down (default true). */
  stepDownOnRemoval?: boolean;
  /** Randomness: an integer in [0, n). The election timeout's only source of variation. */
  random: (n: number) => number;
  /** Where raft reports what it does (default: nowhere). */
  logger?: (line: string) => void;
}

/** Checks a configuration, throwing RaftConfigError with the reason. */
export function validateConfig(c: RaftConfig): void {
  if (c.id === 0n) throw new RaftConfigError('cannot use none as id');
  if (!(c.heartbeatTick > 0)) throw new RaftConfigError('heartbeat tick must be greater than 0');
  if (!(c.electionTick > c.heartbeatTick)) throw new RaftConfigError('election tick must be greater than heartbeat tick');
  if (!(c.maxInflightMsgs > 0)) throw new RaftConfigError('max inflight messages must be greater than 0');
  if (c.readOnlyOption === 'leaseBased' && c.checkQuorum !== true) {
    throw new RaftConfigError('CheckQuorum must be enabled when ReadOnlyOption is ReadOnlyLeaseBased');
  }
}
