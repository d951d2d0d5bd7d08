import { KvOps } from '../../../server/src/mvcc/kv-ops.js';
import type { KeyValue, Leases } from '../../../server/src/mvcc/index.js';
import { StoreFixture } from './store-helpers.js';

/** A lessor for tests: the live lease ids, and every attach/detach call as "attach 5 key". */
export class TestLeases implements Leases {
  readonly live = new Set<bigint>();
  readonly calls: string[] = [];

  has(id: bigint): boolean {
    return this.live.has(id);
  }

  attach(id: bigint, key: Uint8Array): void {
    this.calls.push(`attach ${id} ${Buffer.from(key).toString()}`);
  }

  detach(id: bigint, key: Uint8Array): void {
    this.calls.push(`detach ${id} ${Buffer.from(key).toString()}`);
  }
}

export interface OpsContext {
  f: StoreFixture;
  ops: KvOps;
  leases: TestLeases;
}

/** Runs fn with KvOps on a fresh store whose lessor is a TestLeases holding leases 5 and 6. */
export async function withOps(fn: (c: OpsContext) => Promise<void> | void): Promise<void> {
  const leases = new TestLeases();
  leases.live.add(5n);
  leases.live.add(6n);
  const f = await StoreFixture.create({ leases });
  try {
    await fn({ f, ops: new KvOps(f.store, leases), leases });
  } finally {
    await f.close();
  }
}

/** Key-values as "key=value". */
export function kv(kvs: readonly KeyValue[]): string[] {
  return kvs.map((x) => `${Buffer.from(x.key).toString()}=${Buffer.from(x.value).toString()}`);
}

/** Key-values as their keys. */
export function keys(kvs: readonly KeyValue[]): string[] {
  return kvs.map((x) => Buffer.from(x.key).toString());
}
