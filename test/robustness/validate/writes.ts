// The writes in a KV history, as the validators need them: which operations could have written a
// given value to a key (or deleted it), and which are acknowledged with a revision.
import type { Operation } from '../checker/history.js';

export interface Write {
  readonly op: Operation;
  readonly index: number;
  readonly type: 'PUT' | 'DELETE';
  readonly key: string;
  /** The written value; undefined for a delete. */
  readonly value: string | undefined;
  /** True when the client got an answer saying the write took effect. */
  readonly acked: boolean;
  /** The revision the write created, when acknowledged with one. */
  readonly revision: number | undefined;
}

/**
 * Every operation that took effect or may have (outcome unknown). Completed operations that
 * changed nothing (failed cas, delete of an absent key) are left out.
 */
export function collectWrites(history: readonly Operation[]): Write[] {
  const writes: Write[] = [];
  history.forEach((op, index) => {
    const w = toWrite(op, index);
    if (w !== undefined) writes.push(w);
  });
  return writes;
}

function toWrite(op: Operation, index: number): Write | undefined {
  const input = op.input;
  const out = op.output;
  const acked = op.return !== undefined && out !== undefined;
  const revision = acked ? out.revision : undefined;
  switch (input.kind) {
    case 'get':
      return undefined;
    case 'put':
      return { op, index, type: 'PUT', key: input.key, value: input.value, acked, revision };
    case 'cas':
      if (acked && out.kind === 'cas' && !out.succeeded) return undefined;
      return { op, index, type: 'PUT', key: input.key, value: input.value, acked, revision };
    case 'delete':
      if (acked && out.kind === 'delete' && out.deleted === 0) return undefined;
      return { op, index, type: 'DELETE', key: input.key, value: undefined, acked, revision };
  }
}

/** Writes indexed by key. */
export function writesByKey(writes: readonly Write[]): Map<string, Write[]> {
  const m = new Map<string, Write[]>();
  for (const w of writes) {
    let list = m.get(w.key);
    if (list === undefined) m.set(w.key, (list = []));
    list.push(w);
  }
  return m;
}

/**
 * True when some write could have produced this change at this revision: same key, type and
 * value, and either no recorded revision or exactly this one.
 */
export function couldHaveWritten(candidates: readonly Write[], type: 'PUT' | 'DELETE', value: string | undefined, revision: number): boolean {
  return candidates.some((w) => w.type === type && (type === 'DELETE' || w.value === value) &&
    (w.revision === undefined || w.revision === revision));
}

export function describeWrite(w: Write): string {
  const what = w.type === 'PUT' ? `put ${JSON.stringify(w.key)}=${JSON.stringify(w.value)}` : `delete ${JSON.stringify(w.key)}`;
  return `${what} (operation #${w.index}, client ${w.op.clientId}${w.revision === undefined ? '' : `, revision ${w.revision}`})`;
}
