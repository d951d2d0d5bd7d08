import type { Entry, Index, NodeId, Snapshot, Term } from './types.js';

/** Raft message types, with raftpb's numbers (they travel between members). */
export const MessageType = {
  /** Local: start an election (the election timer fired, or the application asked). */
  MsgHup: 0,
  /** Local: the leader's heartbeat timer fired. */
  MsgBeat: 1,
  /** A proposal of entries: local on the leader, forwarded by followers. */
  MsgProp: 2,
  MsgApp: 3,
  MsgAppResp: 4,
  MsgVote: 5,
  MsgVoteResp: 6,
  MsgSnap: 7,
  MsgHeartbeat: 8,
  MsgHeartbeatResp: 9,
  /** Local: the transport could not reach the peer. */
  MsgUnreachable: 10,
  /** Local: how sending a snapshot to the peer ended (reject = failed). */
  MsgSnapStatus: 11,
  /** Local: the leader's check-quorum timer fired. */
  MsgCheckQuorum: 12,
  MsgTransferLeader: 13,
  MsgTimeoutNow: 14,
  MsgReadIndex: 15,
  MsgReadIndexResp: 16,
  MsgPreVote: 17,
  MsgPreVoteResp: 18,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** The name of a message type, for logs and golden test output. */
export function messageTypeName(t: MessageType): string {
  return MESSAGE_TYPE_NAMES[t] ?? `MessageType(${t as number})`;
}
const MESSAGE_TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(MessageType).map(([k, v]) => [v, k]));

/**
 * A raft message (raftpb.Message): every field always present, zero when unused, so the core
 * never branches on absence. `to`/`from` 0 (NO_NODE) on local messages.
 */
export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: Term;
  /** The term of the entry at `index` (appends, votes: the last entry). */
  logTerm: Term;
  index: Index;
  entries: Entry[];
  commit: Index;
  /** Present on MsgSnap only. */
  snapshot: Snapshot | undefined;
  reject: boolean;
  rejectHint: Index;
  /** Opaque bytes: the ReadIndex request context, or the campaign kind of a forced election. */
  context: Uint8Array;
}

/** Kinds of membership change (raftpb.ConfChangeType numbers). */
export const ConfChangeType = {
  AddNode: 0,
  RemoveNode: 1,
  UpdateNode: 2,
  AddLearnerNode: 3,
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

/** How a change of several members moves through joint consensus (raftpb.ConfChangeTransition). */
export const ConfChangeTransition = {
  /** Joint consensus if more than one voter changes, left automatically; a simple change otherwise. */
  Auto: 0,
  /** Always joint; left automatically once the joint configuration is committed. */
  JointImplicit: 1,
  /** Always joint; the application leaves it with an empty ConfChangeV2. */
  JointExplicit: 2,
} as const;
export type ConfChangeTransition = (typeof ConfChangeTransition)[keyof typeof ConfChangeTransition];

export interface ConfChangeSingle {
  type: ConfChangeType;
  nodeId: NodeId;
}

/**
 * A membership change (raftpb.ConfChangeV2; a V1 ConfChange is one change with Auto). An
 * empty `changes` with a joint configuration in force means "leave the joint configuration".
 */
export interface ConfChangeV2 {
  transition: ConfChangeTransition;
  changes: ConfChangeSingle[];
  context: Uint8Array;
}

/** A message with every field zero but those given. */
export function message(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    to: 0n as NodeId,
    from: 0n as NodeId,
    term: 0 as Term,
    logTerm: 0 as Term,
    index: 0 as Index,
    entries: [],
    commit: 0 as Index,
    snapshot: undefined,
    reject: false,
    rejectHint: 0 as Index,
    context: EMPTY,
    ...fields,
  };
}

const EMPTY = new Uint8Array(0);
