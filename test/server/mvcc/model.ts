import fc from 'fast-check';

/** A write the property tests generate: a put, or a delete of one key or of [k, end). */
export type WriteOp = { t: 'put'; k: string; v: string } | { t: 'del'; k: string; end: string | undefined };

export interface ModelKv {
  value: string;
  create: number;
  mod: number;
  version: number;
}

/** One change in the model's history, as a watcher should see it. */
export interface ModelEvent {
  type: 'put' | 'delete';
  key: string;
  /** The key after a put (undefined for a delete). */
  kv: ModelKv | undefined;
  /** The key at the revision before (undefined if it did not exist, or the put created the key: etcd gives a creation no prev_kv). */
  prev: ModelKv | undefined;
}

/** The naive model: a full copy of the live keys at every revision, and every revision's events. */
export class Model {
  readonly snapshots: Map<string, ModelKv>[] = [new Map(), new Map()]; // index = revision; rev 1 empty
  readonly events: ModelEvent[][] = [[], []];
  compactRev = 0;

  get rev(): number {
    return this.snapshots.length - 1;
  }

  apply(ops: readonly WriteOp[]): void {
    const rev = this.rev + 1;
    const before = this.snapshots[this.rev] as Map<string, ModelKv>;
    const next = new Map(before);
    const events: ModelEvent[] = [];
    for (const op of ops) {
      if (op.t === 'put') {
        const old = next.get(op.k);
        const kv = { value: op.v, create: old?.create ?? rev, mod: rev, version: (old?.version ?? 0) + 1 };
        next.set(op.k, kv);
        events.push({ type: 'put', key: op.k, kv, prev: kv.create === rev ? undefined : before.get(op.k) });
        continue;
      }
      for (const k of [...next.keys()].sort()) {
        if (op.end === undefined ? k === op.k : k >= op.k && k < op.end) {
          next.delete(k);
          events.push({ type: 'delete', key: k, kv: undefined, prev: before.get(k) });
        }
      }
    }
    if (events.length === 0) return;
    this.snapshots.push(next);
    this.events.push(events);
  }

  view(rev: number): string[] {
    const snap = this.snapshots[rev] ?? new Map<string, ModelKv>();
    return [...snap.entries()].sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0)).map(([k, kv]) => `${k}=${kv.value} c${kv.create} m${kv.mod} v${kv.version} l0`);
  }
}

export const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
export const writeOp: fc.Arbitrary<WriteOp> = fc.oneof(
  fc.record({ t: fc.constant('put' as const), k: key, v: fc.string({ maxLength: 3 }) }),
  fc.record({ t: fc.constant('del' as const), k: key, end: fc.option(fc.constantFrom('b', 'd', 'f'), { nil: undefined }) }),
);
