import { raftpb } from '../pb/index.js';
import { toLong, toUint64 } from '../util/index.js';
import { type ConfChangeSingle, ConfChangeTransition, type ConfChangeType, type ConfChangeV2 } from './message.js';
import { type Entry, EntryType, type NodeId } from './types.js';

/** etcd's original single-member change (raftpb.ConfChange); `id` is the application's request id. */
export interface ConfChangeV1 {
  id: bigint;
  type: ConfChangeType;
  nodeId: NodeId;
  context: Uint8Array;
}

const EMPTY = new Uint8Array(0);

export function encodeConfChangeV1(cc: ConfChangeV1): Uint8Array {
  return raftpb.ConfChange.encode({ ID: toLong(cc.id), Type: cc.type, NodeID: toLong(cc.nodeId), Context: cc.context }).finish();
}

export function decodeConfChangeV1(data: Uint8Array): ConfChangeV1 {
  const m = raftpb.ConfChange.decode(data);
  return { id: toUint64(m.ID), type: changeType(m.Type ?? 0), nodeId: toUint64(m.NodeID) as NodeId, context: m.Context ?? EMPTY };
}

export function encodeConfChangeV2(cc: ConfChangeV2): Uint8Array {
  return raftpb.ConfChangeV2.encode({
    transition: cc.transition,
    changes: cc.changes.map((c) => ({ type: c.type, nodeId: toLong(c.nodeId) })),
    context: cc.context,
  }).finish();
}

export function decodeConfChangeV2(data: Uint8Array): ConfChangeV2 {
  const m = raftpb.ConfChangeV2.decode(data);
  const t = m.transition ?? 0;
  if (t !== 0 && t !== 1 && t !== 2) throw new RangeError(`unknown conf change transition ${t}`);
  return {
    transition: t,
    changes: (m.changes ?? []).map((c): ConfChangeSingle => ({ type: changeType(c.type ?? 0), nodeId: toUint64(c.nodeId) as NodeId })),
    context: m.context ?? EMPTY,
  };
}

/** A V1 change as the V2 form raft applies: one change, Auto transition. */
export function confChangeV1ToV2(cc: ConfChangeV1): ConfChangeV2 {
  return { transition: ConfChangeTransition.Auto, changes: [{ type: cc.type, nodeId: cc.nodeId }], context: cc.context };
}

/** The change a conf-change entry carries, as V2; undefined for a normal entry. */
export function confChangeOfEntry(e: Entry): ConfChangeV2 | undefined {
  if (e.type === EntryType.ConfChange) return confChangeV1ToV2(decodeConfChangeV1(e.data));
  if (e.type === EntryType.ConfChangeV2) return decodeConfChangeV2(e.data);
  return undefined;
}

/** Whether the change asks to leave a joint configuration: Auto, no changes (context ignored). */
export function isLeaveJoint(cc: ConfChangeV2): boolean {
  return cc.transition === ConfChangeTransition.Auto && cc.changes.length === 0;
}

/**
 * Whether the change enters a joint configuration, and if so whether raft leaves it on its own:
 * any explicit transition, or Auto with more than one change.
 */
export function entersJoint(cc: ConfChangeV2): { joint: boolean; autoLeave: boolean } {
  if (cc.transition === ConfChangeTransition.Auto && cc.changes.length <= 1) return { joint: false, autoLeave: false };
  return { joint: true, autoLeave: cc.transition !== ConfChangeTransition.JointExplicit };
}

function changeType(t: number): ConfChangeType {
  if (t === 0 || t === 1 || t === 2 || t === 3) return t;
  throw new RangeError(`unknown conf change type ${t}`);
}
