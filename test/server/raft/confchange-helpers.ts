import { Changer, restore, type ConfChangeResult } from '../../../server/src/raft/confchange.js';
import { ConfChangeType, type ConfChangeSingle } from '../../../server/src/raft/message.js';
import { ProgressTracker, progressMapString, trackerConfigString } from '../../../server/src/raft/tracker/tracker.js';
import { index, nodeId, type ConfState, type NodeId } from '../../../server/src/raft/types.js';

const TYPES: Record<string, ConfChangeType> = {
  v: ConfChangeType.AddNode,
  l: ConfChangeType.AddLearnerNode,
  r: ConfChangeType.RemoveNode,
  u: ConfChangeType.UpdateNode,
};

/** "v1 l2 r3 u4" → add voter 1, add learner 2, remove 3, update 4. Throws on anything else. */
export function parseChanges(s: string): ConfChangeSingle[] {
  return s
    .split(/\s+/)
    .filter((tok) => tok !== '')
    .map((tok) => {
      const m = /^([vlru])(\d+)$/.exec(tok);
      const type = m === null ? undefined : TYPES[m[1] as string];
      if (m === null || type === undefined) throw new Error(`bad conf change token ${JSON.stringify(tok)}`);
      return { type, nodeId: nodeId(BigInt(m[2] as string)) };
    });
}

export function ids(...ns: number[]): NodeId[] {
  return ns.map((n) => nodeId(n));
}

/** A tracker with the given inflight limits and nothing configured. */
export function emptyTracker(maxInflight = 10, maxInflightBytes = Infinity): ProgressTracker {
  return new ProgressTracker(maxInflight, maxInflightBytes);
}

/** Puts a change's result in force, as raft's switchToConfig does. */
export function adopt(trk: ProgressTracker, r: ConfChangeResult): void {
  trk.config = r.config;
  trk.progress = r.progress;
}

/** One step of a data-driven script: what it does, in the notation of parseChanges. */
export type ScriptOp = { simple: string } | { enter: string; autoLeave?: boolean } | { leave: true };

/** Runs one op against trk (adopting the result), returning the config and progress as text, or the error message. */
export function runOp(trk: ProgressTracker, op: ScriptOp, lastIndex = 0): string {
  const changer = new Changer(trk, index(lastIndex));
  try {
    let r: ConfChangeResult;
    if ('simple' in op) r = changer.simple(...parseChanges(op.simple));
    else if ('enter' in op) r = changer.enterJoint(op.autoLeave ?? false, ...parseChanges(op.enter));
    else r = changer.leaveJoint();
    adopt(trk, r);
    return `${trackerConfigString(trk.config)}\n${progressMapString(trk.progress)}`;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

/** Builds a tracker from a ConfState through restore. */
export function restored(cs: ConfState, lastIndex = 0): ProgressTracker {
  const trk = emptyTracker();
  adopt(trk, restore(new Changer(trk, index(lastIndex)), cs));
  return trk;
}
