import { Backend, Bucket } from '../../../server/src/backend/index.js';
import { KvStore, type KvStoreOptions, decodeRevisionKey } from '../../../server/src/mvcc/index.js';
import { tempDb } from '../backend/helpers.js';

export const ALL = Buffer.from([0]);

export function b(s: string): Buffer {
  return Buffer.from(s);
}

/** A store on a fresh backend file; `reopen` closes the backend and restores from the file. */
export class StoreFixture {
  static async create(options: KvStoreOptions = {}): Promise<StoreFixture> {
    const t = tempDb();
    const backend = openBackend(t.path);
    return new StoreFixture(t.path, t.cleanup, backend, await KvStore.open(backend, options), options);
  }

  private constructor(
    readonly path: string,
    private readonly cleanup: () => void,
    public backend: Backend,
    public store: KvStore,
    private readonly options: KvStoreOptions,
  ) {}

  async reopen(): Promise<KvStore> {
    await this.backend.close();
    this.backend = openBackend(this.path);
    this.store = await KvStore.open(this.backend, this.options);
    return this.store;
  }

  async close(): Promise<void> {
    await this.backend.close();
    this.cleanup();
  }

  put(key: string, value: string, lease = 0n): number {
    const w = this.store.write();
    w.put(b(key), b(value), lease);
    w.end();
    return this.store.rev;
  }

  del(key: string, end?: string): number {
    const w = this.store.write();
    const n = w.deleteRange(b(key), end === undefined ? undefined : b(end)).length;
    w.end();
    return n;
  }

  /** The key bucket's records as "main.sub" (+"t" for tombstones), in order. */
  records(): string[] {
    return this.backend.range(Bucket.key, new Uint8Array(0)).map(([k]) => {
      const { rev, tombstone } = decodeRevisionKey(k);
      return `${rev.main}.${rev.sub}${tombstone ? 't' : ''}`;
    });
  }
}

function openBackend(path: string): Backend {
  return Backend.open(path, { batchIntervalMs: 3_600_000, batchLimit: 1e9 });
}

/** A range's key-values as comparable plain objects. */
export function plain(kvs: readonly { key: Uint8Array; value: Uint8Array; createRevision: number; modRevision: number; version: number; lease: bigint }[]): string[] {
  return kvs.map((kv) => `${Buffer.from(kv.key).toString()}=${Buffer.from(kv.value).toString()} c${kv.createRevision} m${kv.modRevision} v${kv.version} l${kv.lease}`);
}
