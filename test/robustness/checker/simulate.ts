// Test support: histories recorded from a real sequential execution, so they are linearizable
// by construction. Each operation takes effect at one instant T on a plain in-memory store with
// a global revision counter; its call and return are spread randomly around T (never
// overlapping the same client's other operations), and some outcomes are dropped as unknown.
import type { CasExpect, Input, Operation, Output } from './history.js';
import { prng as rng } from '../../support/prng.js';


export interface SimOptions {
  readonly seed: number;
  readonly ops: number;
  readonly keys: number;
  readonly clients: number;
  /** Probability that an operation's outcome is lost (it may or may not have applied). */
  readonly unknownRate?: number;
}

interface Entry {
  value: string;
  mod: number;
}

class Store {
  readonly data = new Map<string, Entry>();
  rev = 0;

  apply(input: Input): Output {
    const cur = this.data.get(input.key);
    switch (input.kind) {
      case 'get':
        return cur === undefined
          ? { kind: 'get', value: null, revision: this.rev }
          : { kind: 'get', value: cur.value, revision: this.rev, modRevision: cur.mod };
      case 'put':
        this.data.set(input.key, { value: input.value, mod: ++this.rev });
        return { kind: 'put', revision: this.rev };
      case 'delete':
        if (cur === undefined) return { kind: 'delete', deleted: 0, revision: this.rev };
        this.data.delete(input.key);
        return { kind: 'delete', deleted: 1, revision: ++this.rev };
      case 'cas': {
        const e = input.expect;
        const holds = e.kind === 'value' ? (cur?.value ?? null) === e.value : (cur?.mod ?? 0) === e.modRevision;
        if (!holds) return { kind: 'cas', succeeded: false, revision: this.rev };
        this.data.set(input.key, { value: input.value, mod: ++this.rev });
        return { kind: 'cas', succeeded: true, revision: this.rev };
      }
    }
  }
}

function randomInput(r: () => number, store: Store, key: string, value: string): Input {
  const x = r();
  if (x < 0.45) return { kind: 'get', key };
  if (x < 0.7) return { kind: 'put', key, value };
  if (x < 0.8) return { kind: 'delete', key };
  const cur = store.data.get(key);
  // Mostly the current state (so some succeed), sometimes a stale or made-up expectation.
  const fresh = r() < 0.6;
  const expect: CasExpect =
    r() < 0.5
      ? { kind: 'value', value: fresh ? (cur?.value ?? null) : `stale-${Math.floor(r() * 5)}` }
      : { kind: 'modRevision', modRevision: fresh ? (cur?.mod ?? 0) : Math.floor(r() * (store.rev + 1)) };
  return { kind: 'cas', key, expect, value };
}

/** Generates a linearizable history: time advances 10 units per operation. */
export function simulate(o: SimOptions): Operation[] {
  const r = rng(o.seed);
  const store = new Store();
  const busyUntil = new Array<number>(o.clients).fill(-1);
  const history: Operation[] = [];
  const spread = 10 * o.clients;
  for (let n = 0, t = 0; n < o.ops; t += 10) {
    const idle = busyUntil.flatMap((b, c) => (b < t ? [c] : []));
    if (idle.length === 0) continue;
    const clientId = idle[Math.floor(r() * idle.length)]!;
    const key = `k${Math.floor(r() * o.keys)}`;
    const input = randomInput(r, store, key, `c${clientId}-${n}`);
    const call = Math.max(busyUntil[clientId]! + 1, t - Math.floor(r() * spread));
    const ret = t + Math.floor(r() * spread);
    busyUntil[clientId] = ret;
    n++;
    if (r() < (o.unknownRate ?? 0)) {
      if (r() < 0.5) store.apply(input);
      history.push({ clientId, call, input });
      continue;
    }
    history.push({ clientId, call, return: ret, input, output: store.apply(input) });
  }
  return history;
}
