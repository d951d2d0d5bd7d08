import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { ALL_BUCKETS } from './bucket.js';
import { checkDbFile } from './db-file-check.js';

/** Options that reach LMDB. */
export interface LmdbOptions {
  /** Initial map size in bytes; lmdb-js grows the map on its own when it fills. */
  mapSize?: number;
  /** Concurrent read transactions (views) allowed; LMDB's default is 126. */
  maxReaders?: number;
}

/**
 * One open LMDB environment (the db file) with a handle per bucket. `users` counts the read
 * views and snapshot copies working on it: defragmentation closes an environment only when
 * none are left, because closing LMDB under a live read transaction is undefined behaviour.
 */
export class LmdbEnv {
  readonly root: RootDatabase<Buffer, Buffer>;
  /** Bucket handles, indexed by bucket slot. */
  readonly dbis: readonly Database<Buffer, Buffer>[];
  private users = 0;
  private onDrained: (() => void) | undefined;

  constructor(readonly path: string, options: LmdbOptions) {
    mkdirSync(dirname(path), { recursive: true });
    // An existing file must be one LMDB can map without crashing; a missing one is created.
    if (existsSync(path)) checkDbFile(path);
    this.root = open<Buffer, Buffer>(path, {
      noSubdir: true,
      maxDbs: 16,
      // Plain LMDB commits: the write transaction's promise resolves only after the commit
      // is on disk (fsync inside the commit). With overlappingSync the commit becomes
      // visible first and durable later; we keep one moment for both (see backend.ts).
      overlappingSync: false,
      keyEncoding: 'binary',
      encoding: 'binary',
      ...(options.mapSize !== undefined ? { mapSize: options.mapSize } : {}),
      ...(options.maxReaders !== undefined ? { maxReaders: options.maxReaders } : {}),
    });
    this.dbis = ALL_BUCKETS.map((name) =>
      this.root.openDB<Buffer, Buffer>(name, { keyEncoding: 'binary', encoding: 'binary' }),
    );
  }

  acquire(): void {
    this.users++;
  }

  release(): void {
    this.users--;
    if (this.users === 0 && this.onDrained !== undefined) {
      const done = this.onDrained;
      this.onDrained = undefined;
      done();
    }
  }

  /** Resolves once no view or copy uses this environment. */
  drained(): Promise<void> {
    if (this.users === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onDrained = resolve;
    });
  }

  fileSize(): number {
    return statSync(this.path).size;
  }

  /**
   * Bytes of the pages that hold data. LMDB's file is a sequence of pages: two meta pages,
   * the pages of the main database (the catalogue of named databases), the pages of the
   * free-list database (LMDB's own record of free pages), and each bucket's branch, leaf
   * and overflow pages. Every other page below the end of the file is free (released by
   * deletes and waiting for reuse) — the space defragmentation gives back. So:
   *   inUse = pageSize × (2 + main + freelist + Σ buckets), each term branch + leaf + overflow pages.
   */
  sizeInUse(): number {
    let pages = 2;
    let pageSize = 0;
    for (const dbi of this.dbis) {
      const s = dbi.getStats() as DbStats;
      pages += treePages(s);
      pageSize = s.pageSize;
    }
    const rootStats = this.dbis[0]?.getStats() as DbStats;
    pages += treePages(rootStats.root) + treePages(rootStats.free);
    return pages * pageSize;
  }
}

/** The fields of lmdb-js's getStats() we use (its type is `{}`). */
interface TreeStats {
  pageSize: number;
  treeBranchPageCount: number;
  treeLeafPageCount: number;
  overflowPages: number;
}
interface DbStats extends TreeStats {
  root: TreeStats;
  free: TreeStats;
}

function treePages(s: TreeStats): number {
  return s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages;
}
