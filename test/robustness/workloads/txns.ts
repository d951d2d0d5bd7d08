// Multi-key transactions: writers put one value to all of txn/a, txn/b, txn/c in one txn; readers
// range over the prefix and must see the three keys equal (or all absent). The checker models
// single keys only, so this workload checks its own property: atomicity and isolation of txns.
import { kvService } from '../../../server/src/pb/index.js';
import { bytes, Connection, num, text, unary } from '../harness/grpc.js';
import { breathe, type WorkloadContext } from './context.js';

export const TXN_KEYS = ['txn/a', 'txn/b', 'txn/c'];

async function write(conn: Connection, value: string): Promise<void> {
  await unary(conn.kv, kvService.Txn, {
    compare: [],
    success: TXN_KEYS.map((k) => ({ requestPut: { key: bytes(k), value: bytes(value) } })),
    failure: [],
  }, 2_000);
}

/** Reads the three keys in one range; returns a violation text or undefined. */
export async function readTxnKeys(conn: Connection): Promise<string | undefined> {
  const r = await unary(conn.kv, kvService.Range, { key: bytes('txn/'), rangeEnd: bytes('txn0') }, 2_000);
  const values = r.kvs.map((x) => `${text(x.key)}=${text(x.value)}@${num(x.modRevision)}`);
  const distinctValues = new Set(r.kvs.map((x) => text(x.value)));
  const distinctRevs = new Set(r.kvs.map((x) => num(x.modRevision)));
  const ok = r.kvs.length === 0 || (r.kvs.length === TXN_KEYS.length && distinctValues.size === 1 && distinctRevs.size === 1);
  return ok ? undefined : `a range at revision ${num(r.header?.revision)} saw a partial txn: ${values.join(' ')}`;
}

/** One writer and one reader per member, until the context stops. */
export async function runTxns(ctx: WorkloadContext): Promise<void> {
  let seq = 0;
  const loop = async (i: number, writer: boolean): Promise<void> => {
    const conn = new Connection(ctx.cluster.members[i % ctx.cluster.members.length]!.clientAddress);
    try {
      while (!ctx.stopped()) {
        try {
          if (writer) await write(conn, `t${i}.${seq++}`);
          else {
            const bad = await readTxnKeys(conn);
            if (bad !== undefined) ctx.rec.violation('txn-atomicity', bad);
          }
          ctx.rec.count(writer ? 'txn' : 'txn-read', 'ok');
        } catch {
          ctx.rec.count(writer ? 'txn' : 'txn-read', 'unknown');
          await breathe(50);
        }
        await breathe(10);
      }
    } finally {
      conn.close();
    }
  };
  await Promise.all([loop(0, true), loop(1, false), loop(2, false)]);
}
