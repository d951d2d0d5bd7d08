// Lease churn: grant a short lease, attach a key to it, then revoke it (or let it expire). A
// revoke that was acknowledged must take its keys with it: at the end no key may still carry a
// lease whose revocation was acknowledged.
import { kvService, leaseService } from '../../../server/src/pb/index.js';
import { bytes, Connection, text, unary } from '../harness/grpc.js';
import { breathe, type WorkloadContext } from './context.js';

export const LEASE_PREFIX = 'lease/';

/** Lease ids whose revocation was acknowledged (decimal strings). */
export type RevokedLeases = Set<string>;

export async function runLeases(ctx: WorkloadContext, revoked: RevokedLeases): Promise<void> {
  const conn = new Connection(ctx.cluster.members[0]!.clientAddress);
  let n = 0;
  try {
    while (!ctx.stopped()) {
      try {
        const g = await unary(conn.lease, leaseService.LeaseGrant, { TTL: 3 + Math.floor(ctx.rand() * 3), ID: 0 }, 2_000);
        ctx.rec.count('lease-grant', 'ok');
        const id = String(g.ID);
        await unary(conn.kv, kvService.Put, { key: bytes(`${LEASE_PREFIX}${n++ % 8}`), value: bytes(id), lease: g.ID }, 2_000);
        ctx.rec.count('lease-put', 'ok');
        if (ctx.rand() < 0.7) {
          await unary(conn.lease, leaseService.LeaseRevoke, { ID: g.ID }, 2_000);
          revoked.add(id);
          ctx.rec.count('lease-revoke', 'ok');
        }
      } catch {
        ctx.rec.count('lease', 'unknown');
        await breathe(100);
      }
      await breathe(50);
    }
  } finally {
    conn.close();
  }
}

/** After the run: keys under the prefix still attached to an acknowledged-revoked lease. */
export async function checkLeases(conn: Connection, revoked: RevokedLeases): Promise<string[]> {
  const r = await unary(conn.kv, kvService.Range, { key: bytes(LEASE_PREFIX), rangeEnd: bytes('lease0') }, 5_000);
  return r.kvs
    .filter((kv) => revoked.has(String(kv.lease)))
    .map((kv) => `key ${text(kv.key)} still has lease ${String(kv.lease)} whose revocation was acknowledged`);
}
