import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errorMessage, failpoint, failpointOn, fsyncDir, tracer } from '../util/index.js';
import { Bucket, bucketSlot, type BucketName } from './bucket.js';
import { CONSISTENT_INDEX_KEY, TERM_KEY, decodeUint64BE, encodeUint64BE, type ConsistentIndex } from './consistent-index.js';
import { BackendBusyError, BackendClosedError, BackendFailedError } from './errors.js';
import { checkKey, copy, MAX_KEY_BYTES, view } from './keys.js';
import { LmdbEnv, type LmdbOptions } from './lmdb-env.js';
import type { Entry } from './merge.js';
import { ReadView } from './read-view.js';
import { streamSnapshotFile, type BackendSnapshot } from './snapshot-stream.js';
import { WriteBuffer, type Layer } from './write-buffer.js';

export interface BackendOptions extends LmdbOptions {
  /** Commit pending writes this often (ms). Default 100, as etcd's backend-batch-interval. */
  batchIntervalMs?: number;
  /** Commit as soon as this many puts and deletes are pending. Default 10,000, as etcd's backend-batch-limit. */
  batchLimit?: number;
  /** Told the duration of every commit, in seconds (etcd's backend_commit_duration_seconds). */
  onCommit?: (seconds: number) => void;
}

/** Where a defragmentation is: copying the db, waiting for views to be released, swapping files. */
export type DefragPhase = 'idle' | 'copying' | 'draining' | 'swapping';

export interface DefragResult {
  sizeBefore: number;
  sizeAfter: number;
}

const trace = tracer('backend');
const DEFRAG_SUFFIX = '.defrag.tmp';
let snapshotSeq = 0;

/**
 * etcd's backend on LMDB: named buckets of raw byte keys and values in one file, with writes
 * batched as etcd's batchTx batches them.
 *
 * Writes (`put`, `delete`, `setConsistentIndex`) go to an in-memory buffer and are visible to
 * reads at once. The buffer is committed to LMDB in one transaction every `batchIntervalMs`,
 * when `batchLimit` writes are pending, on `commit()`, before `defrag()`/`snapshot()` and at
 * `close()`. The promise of `commit()` resolves when every write put before the call is
 * durable: LMDB runs without overlappingSync, so its commit fsyncs before it resolves, and
 * "visible in LMDB" and "on disk" are the same moment. (The fsync runs on lmdb-js's writer
 * thread; the event loop is blocked only while the batch is copied into the LMDB transaction.)
 *
 * Commits, defragmentation, snapshot copies and close run one at a time. Writes never wait
 * and are never refused while a defragmentation runs: they stay in the buffer (readable) and
 * commit after the swap. Reads go on from the old file until the swap; the swap waits for
 * read views to be released, and a read in the few microtasks of the swap itself throws
 * BackendBusyError.
 *
 * Only one process may open the file (LMDB's lock file serves one writer here; the swap of
 * the file by defrag is not coordinated with other processes).
 */
export class Backend {
  /** Opens (creating if needed) the db file at `path`, creating its directory. */
  static open(path: string, options: BackendOptions = {}): Backend {
    return new Backend(path, options);
  }

  private env: LmdbEnv | undefined;
  private readonly pending = new WriteBuffer();
  /** The layer being written to LMDB, readable until the commit is visible. */
  private committing: Layer | undefined;
  private readonly views = new Set<ReadView>();
  private queue: Promise<unknown> = Promise.resolve();
  private commitQueued = false;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | undefined;
  private failure: BackendFailedError | undefined;
  private phase: DefragPhase = 'idle';
  private commits = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly batchLimit: number;
  private fileBytes = 0;

  private constructor(
    readonly path: string,
    private readonly options: BackendOptions,
  ) {
    removeLeftovers(path);
    this.env = new LmdbEnv(path, options);
    this.refreshSize();
    this.batchLimit = options.batchLimit ?? 10_000;
    this.timer = setInterval(() => {
      // TEST ONLY: with unsafeAckBeforeFsync on, the backend must not make durable what the WAL
      // still holds in memory, or a kill -9 would not lose the acknowledged writes it should.
      if (this.pending.size > 0 && !failpointOn('unsafeAckBeforeFsync')) this.scheduleCommit();
    }, options.batchIntervalMs ?? 100);
    this.timer.unref();
  }

  /** Puts and deletes waiting for the next commit. */
  get pendingWrites(): number {
    return this.pending.size;
  }

  /** LMDB transactions committed since open (for tests and metrics). */
  get commitCount(): number {
    return this.commits;
  }

  get defragPhase(): DefragPhase {
    return this.phase;
  }

  put(bucket: BucketName, key: Uint8Array, value: Uint8Array): void {
    this.assertOpen();
    const slot = bucketSlot(bucket);
    checkKey(key);
    this.pending.set(slot, copy(key), copy(value));
    if (this.pending.size >= this.batchLimit) this.scheduleCommit();
  }

  delete(bucket: BucketName, key: Uint8Array): void {
    this.assertOpen();
    const slot = bucketSlot(bucket);
    checkKey(key);
    this.pending.set(slot, copy(key), null);
    if (this.pending.size >= this.batchLimit) this.scheduleCommit();
  }

  /**
   * Records the raft position the data put so far covers, in the same batch, so that both
   * commit in one LMDB transaction: after a crash the backend holds both or neither.
   */
  setConsistentIndex(index: number, term: number): void {
    const i = encodeUint64BE(index);
    const t = encodeUint64BE(term);
    this.put(Bucket.meta, CONSISTENT_INDEX_KEY, i);
    this.put(Bucket.meta, TERM_KEY, t);
  }

  consistentIndex(): ConsistentIndex {
    return this.withView((v) => ({
      index: decodeUint64BE(v.get(Bucket.meta, CONSISTENT_INDEX_KEY), 'consistent_index'),
      term: decodeUint64BE(v.get(Bucket.meta, TERM_KEY), 'term'),
    }));
  }

  /**
   * Reads one key as of now. Skips making a view: pending layers first, then LMDB's current
   * read transaction, which commitLocked renews before it drops a committed layer.
   */
  get(bucket: BucketName, key: Uint8Array): Buffer | undefined {
    this.assertOpen();
    const slot = bucketSlot(bucket);
    const env = this.env;
    if (env === undefined) throw new BackendBusyError('defragmentation is swapping the db file; retry');
    if (key.byteLength === 0 || key.byteLength > MAX_KEY_BYTES) return undefined;
    const k = view(key);
    const pending = this.pending.get(slot, k);
    if (pending !== undefined) return pending ?? undefined;
    const committing = this.committing?.[slot]?.get(k);
    if (committing !== undefined) return committing ?? undefined;
    return env.dbis[slot]?.get(k);
  }

  /** See ReadView.range: start <= key < end (undefined: to the end), at most limit pairs (0: all). */
  range(bucket: BucketName, start: Uint8Array, end?: Uint8Array, limit?: number): Entry[] {
    return this.withView((v) => v.range(bucket, start, end, limit));
  }

  count(bucket: BucketName, start?: Uint8Array, end?: Uint8Array): number {
    return this.withView((v) => v.count(bucket, start, end));
  }

  /** A consistent snapshot of everything put so far; release() it when done. */
  readView(): ReadView {
    this.assertOpen();
    const env = this.env;
    if (env === undefined) throw new BackendBusyError('defragmentation is swapping the db file; retry');
    const txn = env.root.useReadTransaction();
    env.acquire();
    const layers = this.committing === undefined ? [this.pending.freeze()] : [this.pending.freeze(), this.committing];
    const view = new ReadView(env, txn, layers, (v) => {
      this.views.delete(v);
      env.release();
    });
    this.views.add(view);
    return view;
  }

  /** Commits everything put before the call; resolves when it is durable. */
  async commit(): Promise<void> {
    this.assertOpen();
    return this.exclusive(() => this.commitLocked());
  }

  /**
   * Bulk load (restore): writes pairs straight to LMDB in durable transactions of `batch` pairs,
   * bypassing the write buffer, which costs several times more per pair. Whatever is pending is
   * committed first, so the load lands after it. Returns the number of pairs written.
   */
  async load(bucket: BucketName, pairs: Iterable<Entry>, batch = 50_000): Promise<number> {
    this.assertOpen();
    const slot = bucketSlot(bucket);
    return this.exclusive(async () => {
      await this.commitLocked();
      const dbi = this.requireEnv().dbis[slot] as NonNullable<LmdbEnv['dbis'][number]>;
      const it = pairs[Symbol.iterator]();
      let n = 0;
      for (let done = false; !done; ) {
        this.requireEnv().root.transactionSync(() => {
          for (let i = 0; i < batch; i++) {
            const r = it.next();
            if (r.done === true) return void (done = true);
            checkKey(r.value[0]);
            dbi.putSync(r.value[0], r.value[1]);
            n++;
          }
        });
        this.commits++;
        this.refreshSize();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return n;
    });
  }

  /**
   * Bytes of the db file, as of the last commit (the file changes only when a commit writes):
   * read on every write request for the quota check, so it is not a syscall each time.
   */
  size(): number {
    return this.fileBytes;
  }

  private refreshSize(): void {
    try {
      this.fileBytes = statSync(this.path).size;
    } catch {
      // Between the rename and the reopen of a defragmentation: the next refresh corrects it.
    }
  }

  /** Bytes of the pages that hold data (see LmdbEnv.sizeInUse); never more than size(). */
  sizeInUse(): number {
    this.assertOpen();
    return this.requireEnv().sizeInUse();
  }

  /**
   * Rewrites the db file without free pages: commits pending writes, makes a compacting copy
   * beside the db, waits until no read view or snapshot copy uses the old file, then renames
   * the copy over the db (fsyncing the directory) and reopens. A crash before the rename
   * leaves the old file; after it, the new one, complete.
   */
  async defrag(): Promise<DefragResult> {
    this.assertOpen();
    return this.exclusive(() => this.defragLocked());
  }

  /**
   * A consistent copy of the whole db (everything put before the call, at one LMDB
   * transaction) as a stream of the file's bytes followed by their SHA-256. The copy is a
   * temporary file beside the db, so streaming never holds up writers; it is removed when the
   * stream ends or is destroyed.
   */
  async snapshot(): Promise<BackendSnapshot> {
    this.assertOpen();
    const env = await this.exclusive(async () => {
      await this.commitLocked();
      const e = this.requireEnv();
      e.acquire();
      return e;
    });
    const tmp = `${this.path}.snapshot-${process.pid}-${++snapshotSeq}.tmp`;
    try {
      await env.root.backup(tmp, true);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    } finally {
      env.release();
    }
    return streamSnapshotFile(tmp, statSync(tmp).size);
  }

  /**
   * Replaces the whole db with the file at `file` (a raft snapshot's database, received from the
   * leader): writes not yet committed are dropped (the new file supersedes them), views are
   * waited for, then the file is renamed over the db, the directory fsynced, and the db reopened.
   * `afterSwap` runs synchronously right after the reopen, before any read can see the new file,
   * so callers rebuild their in-memory state from it without a window in between. A crash before
   * the rename leaves the old db; after it, the new one, whole.
   */
  async replaceWith(file: string, afterSwap?: () => void): Promise<void> {
    this.assertOpen();
    return this.exclusive(async () => {
      statSync(file); // a missing file is refused before anything changes
      const env = this.requireEnv();
      this.pending.drain();
      this.phase = 'draining';
      try {
        await env.drained();
        this.phase = 'swapping';
        this.env = undefined;
        await env.root.close();
        renameSync(file, this.path);
        fsyncDir(dirname(this.path));
      } finally {
        this.reopenAfterSwap();
        this.phase = 'idle';
      }
      this.refreshSize();
      trace('replaced the db with %s (%d bytes)', file, this.size());
      afterSwap?.();
    });
  }

  /**
   * Commits what is pending and closes the file. Views still open are released first (using
   * them afterwards throws ViewReleasedError); a running defragmentation or snapshot copy
   * finishes before the file closes. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.state = 'closing';
    clearInterval(this.timer);
    for (const v of [...this.views]) v.release();
    this.closing = this.exclusive(async () => {
      try {
        if (this.failure === undefined) await this.commitLocked();
      } finally {
        const env = this.env;
        this.env = undefined;
        this.state = 'closed';
        if (env !== undefined) {
          await env.drained();
          await env.root.close();
        }
      }
    });
    return this.closing;
  }

  private withView<T>(fn: (v: ReadView) => T): T {
    const v = this.readView();
    try {
      return fn(v);
    } finally {
      v.release();
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private scheduleCommit(): void {
    if (this.commitQueued || this.state !== 'open') return;
    this.commitQueued = true;
    this.commit().catch((err: unknown) => trace('background commit failed: %s', errorMessage(err)));
  }

  private async commitLocked(): Promise<void> {
    this.commitQueued = false;
    if (this.failure !== undefined) throw this.failure;
    if (this.pending.size === 0) return;
    const env = this.requireEnv();
    failpoint('backendBeforeCommit');
    const writes = this.pending.size;
    const layer = this.pending.drain();
    this.committing = layer;
    const t0 = performance.now();
    try {
      await env.root.transaction(() => writeLayer(env, layer));
    } catch (err) {
      this.failure = new BackendFailedError(`backend commit failed: ${errorMessage(err)}`, { cause: err });
      throw this.failure;
    }
    // Make reads without a view start from the new LMDB state before the layer disappears.
    env.root.resetReadTxn();
    this.committing = undefined;
    this.commits++;
    this.refreshSize();
    const ms = performance.now() - t0;
    this.options.onCommit?.(ms / 1000);
    trace('committed %d writes in %s ms', writes, ms.toFixed(1));
    failpoint('backendAfterCommit');
  }

  private async defragLocked(): Promise<DefragResult> {
    await this.commitLocked();
    const env = this.requireEnv();
    const sizeBefore = env.fileSize();
    const tmp = this.path + DEFRAG_SUFFIX;
    rmSync(tmp, { force: true });
    try {
      this.phase = 'copying';
      await env.root.backup(tmp, true);
      fsyncFile(tmp);
      this.phase = 'draining';
      await env.drained();
      this.phase = 'swapping';
      this.env = undefined;
      await env.root.close();
      failpoint('defragBeforeRename');
      renameSync(tmp, this.path);
      fsyncDir(dirname(this.path));
      failpoint('defragAfterRename');
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    } finally {
      this.reopenAfterSwap();
      this.phase = 'idle';
    }
    this.refreshSize();
    const sizeAfter = this.size();
    trace('defragmented %d -> %d bytes', sizeBefore, sizeAfter);
    return { sizeBefore, sizeAfter };
  }

  /** After a swap (or a failed one): open whichever file is now at the path. */
  private reopenAfterSwap(): void {
    if (this.env !== undefined) return;
    try {
      this.env = new LmdbEnv(this.path, this.options);
    } catch (err) {
      this.failure = new BackendFailedError(`cannot reopen the db after defragmentation: ${errorMessage(err)}`, { cause: err });
    }
  }

  private requireEnv(): LmdbEnv {
    if (this.failure !== undefined) throw this.failure;
    if (this.env === undefined) throw new BackendBusyError('defragmentation is swapping the db file; retry');
    return this.env;
  }

  private assertOpen(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.state !== 'open') throw new BackendClosedError(`backend ${this.path} is closed`);
  }
}

/** Copies a layer into the current LMDB write transaction (in key order per bucket). */
function writeLayer(env: LmdbEnv, layer: Layer): void {
  layer.forEach((tree, slot) => {
    const dbi = env.dbis[slot];
    if (tree === undefined || dbi === undefined) return;
    for (const [k, v] of tree.entries()) {
      if (v === null) dbi.removeSync(k);
      else dbi.putSync(k, v);
    }
  });
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Removes temporary copies a crash left beside the db (defrag copies, snapshot copies). */
function removeLeftovers(path: string): void {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name === base + DEFRAG_SUFFIX || (name.startsWith(`${base}.snapshot-`) && name.endsWith('.tmp'))) {
      rmSync(join(dir, name), { force: true });
    }
  }
}
