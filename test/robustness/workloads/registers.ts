// Registers per key: linearizable reads, puts, compare-and-set through a txn (on the value or on
// the mod revision last read) and deletes, from clients spread over every member (so a member
// that answers reads from stale local state is read from). Every value is unique.
import type { Input } from '../checker/history.js';
import { Connection } from '../harness/grpc.js';
import { KvClient } from '../harness/kv-client.js';
import { breathe, pick, type WorkloadContext } from './context.js';

export const REGISTER_PREFIX = 'reg/';

export interface RegisterOptions {
  readonly clients: number;
  readonly keys: number;
}

/** The register keys of a run (also what the final reads cover). */
export function registerKeys(keys: number): string[] {
  return Array.from({ length: keys }, (_, i) => `${REGISTER_PREFIX}${i}`);
}

/** Runs `clients` register clients until the context stops; the i-th dials member i mod size. */
export async function runRegisters(ctx: WorkloadContext, opts: RegisterOptions): Promise<void> {
  const keys = registerKeys(opts.keys);
  const members = ctx.cluster.members;
  const conns: Connection[] = [];
  let seq = 0;
  const loop = async (i: number): Promise<void> => {
    const conn = new Connection(members[i % members.length]!.clientAddress);
    conns.push(conn);
    const client = new KvClient(ctx.rec, conn);
    const seen = new Map<string, { value: string | null; mod: number }>();
    while (!ctx.stopped()) {
      const input = nextInput(ctx.rand, pick(ctx.rand, keys), `v${i}.${seq++}`, seen);
      const out = await client.run(input);
      if (out?.kind === 'get') seen.set(input.key, { value: out.value, mod: out.modRevision ?? 0 });
      if (out === undefined) await breathe(20);
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.clients }, (_, i) => loop(i)));
  } finally {
    for (const c of conns) c.close();
  }
}

function nextInput(rand: () => number, key: string, value: string, seen: Map<string, { value: string | null; mod: number }>): Input {
  const r = rand();
  if (r < 0.4) return { kind: 'get', key };
  if (r < 0.65) return { kind: 'put', key, value };
  if (r < 0.9) {
    const last = seen.get(key);
    if (last !== undefined && last.value !== null && rand() < 0.5) {
      return { kind: 'cas', key, expect: { kind: 'modRevision', modRevision: last.mod }, value };
    }
    return { kind: 'cas', key, expect: { kind: 'value', value: last?.value ?? null }, value };
  }
  return { kind: 'delete', key };
}
