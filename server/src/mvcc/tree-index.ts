import sortedBtree from 'sorted-btree';
import { RevisionNotFoundError } from './errors.js';
import { KeyIndex, type KeyState } from './key-index.js';
import { keyBytes, keyString, rangeEndString } from './key-string.js';
import { type Revision, RevisionSet, compareRevision } from './revision.js';

// sorted-btree is CommonJS: under NodeNext its class is the default export's `default`.
const BTree = sortedBtree.default;
type BTree<K, V> = InstanceType<typeof sortedBtree.default<K, V>>;

/** B+tree node size: larger nodes mean fewer node objects per key (memory), at little cost in speed. */
const NODE_SIZE = 64;

/** The live keys of a range at a revision, in key order, with the revision to read for each. */
export interface RangeResult {
  readonly keys: Uint8Array[];
  readonly revs: Revision[];
}

/**
 * All user keys and their histories, in byte order (etcd's treeIndex). The store asks it which
 * backend revision holds each key at a revision, then reads the values from the backend.
 *
 * Keys are held as latin1 strings: one char per byte, so JS string order is byte order, and a
 * short string costs a fraction of a Buffer. The API takes and returns bytes.
 *
 * Range ends follow etcd's API: `end` undefined or empty means the single key; a single 0x00
 * byte means every key ≥ key; otherwise the half-open range [key, end).
 */
export class TreeIndex {
  private readonly tree = new BTree<string, KeyIndex>(undefined, undefined, NODE_SIZE);

  /** Number of keys held (including deleted ones whose history is not yet compacted away). */
  get size(): number {
    return this.tree.size;
  }

  /** Records a put of `key` at `rev`, creating the key (or a new generation of it) if needed. */
  put(key: Uint8Array, rev: Revision): void {
    const k = keyString(key);
    const ki = this.tree.get(k);
    if (ki === undefined) this.tree.set(k, new KeyIndex(rev));
    else ki.put(rev);
  }

  /** Records the deletion of `key` at `rev`; RevisionNotFoundError if it is absent or already deleted. */
  tombstone(key: Uint8Array, rev: Revision): void {
    const ki = this.tree.get(keyString(key));
    if (ki === undefined) throw new RevisionNotFoundError(`tombstone at ${rev.main}.${rev.sub} of a key the index does not hold`);
    ki.tombstone(rev);
  }

  /** The key as of `atRev`, or undefined if it did not exist then. */
  get(key: Uint8Array, atRev: number): KeyState | undefined {
    return this.tree.get(keyString(key))?.get(atRev);
  }

  /** Keys live at `atRev` in the range, with the revision holding each one's value then. */
  range(key: Uint8Array, end: Uint8Array | undefined, atRev: number): RangeResult {
    const keys: Uint8Array[] = [];
    const revs: Revision[] = [];
    this.visit(key, end, (k, ki) => {
      const st = ki.get(atRev);
      if (st === undefined) return;
      keys.push(keyBytes(k));
      revs.push(st.modified);
    });
    return { keys, revs };
  }

  /**
   * The revisions to read for a range at `atRev`, at most `limit` of them (limit ≤ 0: no
   * limit), and `total`, the number of live keys in the whole range (etcd's Range count).
   */
  revisions(key: Uint8Array, end: Uint8Array | undefined, atRev: number, limit: number): { revs: Revision[]; total: number } {
    const revs: Revision[] = [];
    let total = 0;
    this.visit(key, end, (_k, ki) => {
      const st = ki.get(atRev);
      if (st === undefined) return;
      if (limit <= 0 || revs.length < limit) revs.push(st.modified);
      total++;
    });
    return { revs, total };
  }

  /** The number of live keys in the range at `atRev` (a count-only Range). */
  countRevisions(key: Uint8Array, end: Uint8Array | undefined, atRev: number): number {
    let total = 0;
    this.visit(key, end, (_k, ki) => {
      if (ki.get(atRev) !== undefined) total++;
    });
    return total;
  }

  /** Every revision ≥ `rev` of the keys in the range, in revision order (watchers catching up). */
  rangeSince(key: Uint8Array, end: Uint8Array | undefined, rev: number): Revision[] {
    const out: Revision[] = [];
    this.visit(key, end, (_k, ki) => {
      for (const r of ki.since(rev)) out.push(r);
    });
    return out.sort(compareRevision);
  }

  /** Compacts every key at `rev` in one go; returns the revisions the backend must keep. */
  compact(rev: number): RevisionSet {
    const c = this.startCompaction(rev);
    c.step(Infinity);
    return c.available;
  }

  /**
   * A compaction the caller runs in bounded steps (`step(n)` compacts the next n keys), so that
   * writes can be applied between steps instead of waiting for a pass over every key.
   * Interleaving is safe: writes carry revisions after `rev`, which compaction never removes,
   * and keys created behind the cursor have nothing before `rev`. The store must refuse reads
   * below `rev` from the moment it starts the compaction (etcd's ErrCompacted).
   */
  startCompaction(rev: number): IndexCompaction {
    return new IndexCompaction(this.tree, rev);
  }

  /** The revisions `compact(rev)` would keep, changing nothing (for HashKV). */
  keep(rev: number): RevisionSet {
    const available = new RevisionSet();
    this.tree.forEachPair((_k, ki) => {
      ki.keep(rev, available);
    });
    return available;
  }

  private visit(key: Uint8Array, end: Uint8Array | undefined, fn: (k: string, ki: KeyIndex) => void): void {
    const lo = keyString(key);
    const hi = rangeEndString(end);
    if (hi === undefined) {
      const ki = this.tree.get(lo);
      if (ki !== undefined) fn(lo, ki);
      return;
    }
    if (hi <= lo) return;
    this.tree.forRange(lo, hi, false, fn);
  }
}

/** A compaction in progress over a TreeIndex; see TreeIndex.startCompaction. */
export class IndexCompaction {
  /** Revisions the backend must keep; complete once `done`. */
  readonly available = new RevisionSet();
  private cursor: string | undefined = undefined;
  private finished = false;

  constructor(
    private readonly tree: BTree<string, KeyIndex>,
    readonly rev: number,
  ) {}

  get done(): boolean {
    return this.finished;
  }

  /** Compacts up to `maxKeys` more keys, dropping those left empty; returns `done`. */
  step(maxKeys: number): boolean {
    let k = this.tree.nextHigherKey(this.cursor);
    for (let n = 0; k !== undefined && n < maxKeys; n++) {
      const ki = this.tree.get(k);
      if (ki !== undefined) {
        ki.compact(this.rev, this.available);
        if (ki.isEmpty()) this.tree.delete(k);
      }
      this.cursor = k;
      k = this.tree.nextHigherKey(k);
    }
    if (k === undefined) this.finished = true;
    return this.finished;
  }
}

