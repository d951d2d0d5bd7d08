import { Backend } from '../../../server/src/backend/index.js';
import { WatchableStore, type WatchableStoreOptions, type WatchResponse, type WatchStream } from '../../../server/src/mvcc/index.js';
import { tempDb } from '../backend/helpers.js';
import { b } from './store-helpers.js';

/** A watchable store on a fresh backend file, with write shortcuts; `reopen` restarts it from the file. */
export class WatchFixture {
  static async create(options: WatchableStoreOptions = {}): Promise<WatchFixture> {
    const t = tempDb();
    const backend = openBackend(t.path);
    return new WatchFixture(t.path, t.cleanup, backend, await WatchableStore.open(backend, options), options);
  }

  private constructor(
    readonly path: string,
    private readonly cleanup: () => void,
    public backend: Backend,
    public store: WatchableStore,
    private readonly options: WatchableStoreOptions,
  ) {}

  async reopen(): Promise<WatchableStore> {
    this.store.close();
    await this.backend.close();
    this.backend = openBackend(this.path);
    this.store = await WatchableStore.open(this.backend, this.options);
    return this.store;
  }

  async close(): Promise<void> {
    this.store.close();
    await this.backend.close();
    this.cleanup();
  }

  /** One write txn: "k=v" puts, "-k" deletes of one key, "-a..c" deletes of [a, c). Returns the revision after. */
  write(...ops: string[]): number {
    const w = this.store.kv.write();
    for (const op of ops) {
      if (op.startsWith('-')) {
        const [from, to] = op.slice(1).split('..');
        w.deleteRange(b(from ?? ''), to === undefined ? undefined : b(to));
      } else {
        const i = op.indexOf('=');
        w.put(b(op.slice(0, i)), b(op.slice(i + 1)));
      }
    }
    w.end();
    return this.store.rev;
  }
}

function openBackend(path: string): Backend {
  return Backend.open(path, { batchIntervalMs: 3_600_000, batchLimit: 1e9 });
}

/** A response as one line: "w0 r5: put a=1 c2 m5 v2 | delete b m5 (prev b=1 m3)". */
export function show(r: WatchResponse): string {
  if (r.compactRevision !== 0) return `w${r.watchId} compacted at ${r.compactRevision}`;
  const evs = r.events.map((e) => {
    const k = Buffer.from(e.kv.key).toString();
    const main = e.type === 'put' ? `put ${k}=${Buffer.from(e.kv.value).toString()} c${e.kv.createRevision} m${e.kv.modRevision} v${e.kv.version}` : `delete ${k} m${e.kv.modRevision}`;
    if (e.prevKv === undefined) return main;
    return `${main} (prev ${Buffer.from(e.prevKv.key).toString()}=${Buffer.from(e.prevKv.value).toString()} m${e.prevKv.modRevision})`;
  });
  return `w${r.watchId} r${r.revision}: ${evs.length === 0 ? 'progress' : evs.join(' | ')}`;
}

/**
 * Reads responses until `done` says enough (by default: `n` responses), failing after a
 * deadline that only bounds a hang.
 */
export async function take(s: WatchStream, n: number, deadlineMs = 10_000): Promise<WatchResponse[]> {
  const out: WatchResponse[] = [];
  const deadline = Date.now() + deadlineMs;
  while (out.length < n) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      s.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(left, 0));
      }),
    ]);
    clearTimeout(timer);
    if (r === 'timeout') throw new Error(`timed out after ${out.length} of ${n} responses: ${out.map(show).join('; ')}`);
    if (r === undefined) throw new Error(`stream closed after ${out.length} of ${n} responses`);
    out.push(r);
  }
  return out;
}

/** Every response queued right now, without waiting. */
export function drain(s: WatchStream): WatchResponse[] {
  const out: WatchResponse[] = [];
  for (let r = s.poll(); r !== undefined; r = s.poll()) out.push(r);
  return out;
}
