import assert from 'node:assert/strict';
import { maintenanceService } from '../../../server/src/pb/index.js';
import { type EtcdProcess, startEtcd, waitFor } from '../pb/etcd-process.js';
import { clientFor, unary } from '../pb/grpc-calls.js';
import { withApi } from './fixture.js';

/**
 * A real etcd 3.4.23. startEtcd picks a free port and releases it before etcd binds it; with
 * other test files listening on port 0 at the same time, another server can take it in
 * between. So check that what answers is etcd 3.4.23 (the test member reports another
 * version), and retry if not.
 */
export async function startRealEtcd(): Promise<EtcdProcess> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    let etcd: EtcdProcess | undefined;
    try {
      etcd = await startEtcd();
      const m = clientFor(maintenanceService, 'Maintenance', etcd.clientAddr);
      // Until etcd has bound its port the call is refused at once: poll, with a deadline.
      const s = await waitFor('etcd to answer Status', 20_000, () => unary(m, maintenanceService.Status, {})).finally(() => m.close());
      if (s.version === '3.4.23') return etcd;
      last = new Error(`version ${s.version} answered on etcd's port`);
    } catch (err) {
      last = err;
    }
    await etcd?.stop();
  }
  throw last;
}

/** Runs `script` against a real etcd 3.4.23, then against the API fixture; requires equal records, step by step. */
export async function sameAsEtcd<R extends readonly unknown[]>(script: (address: string) => Promise<R[]>): Promise<void> {
  const etcd = await startRealEtcd();
  let expected: R[];
  try {
    expected = await script(etcd.clientAddr);
  } finally {
    await etcd.stop();
  }
  let actual: R[] = [];
  await withApi(async (f) => {
    actual = await script(f.address);
  });
  assert.equal(actual.length, expected.length);
  for (const [i, e] of expected.entries()) assert.deepEqual(actual[i], e, `step ${i}: ${String(e[0])}`);
}
