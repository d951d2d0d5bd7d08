import sortedBtree from 'sorted-btree';
import { ALL_BUCKETS } from './bucket.js';

const BTree = sortedBtree.default;
type BTree<K, V> = InstanceType<typeof sortedBtree.default<K, V>>;

/** Orders keys as LMDB does with binary keys: memcmp, shorter first on a common prefix. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** Pending writes of one bucket: key → value, or null for a delete that hides the LMDB value. */
export type BucketWrites = BTree<Buffer, Buffer | null>;

/** Pending writes of every bucket, indexed by bucket slot (undefined: none). Never mutated once handed out. */
export type Layer = readonly (BucketWrites | undefined)[];

/**
 * The writes put since the last commit, as etcd's batchTx buffers them. Per bucket an ordered
 * B+tree whose clone() is O(1) copy-on-write, so a read view can keep a frozen copy while
 * writes go on.
 */
export class WriteBuffer {
  private trees: (BucketWrites | undefined)[] = emptyTrees();
  private ops = 0;
  private frozen: Layer | undefined;

  /** Puts and deletes since the last drain (what batchLimit counts). */
  get size(): number {
    return this.ops;
  }

  set(slot: number, key: Buffer, value: Buffer | null): void {
    let tree = this.trees[slot];
    if (tree === undefined) {
      tree = new BTree<Buffer, Buffer | null>(undefined, compareKeys);
      this.trees[slot] = tree;
    }
    tree.set(key, value);
    this.ops++;
    this.frozen = undefined;
  }

  /** value, null (deleted), or undefined (not written since the last drain). */
  get(slot: number, key: Buffer): Buffer | null | undefined {
    return this.trees[slot]?.get(key);
  }

  /** A frozen copy, shared by every view taken until the next write. */
  freeze(): Layer {
    this.frozen ??= this.trees.map((t) => t?.clone());
    return this.frozen;
  }

  /** Hands over everything pending and starts empty. */
  drain(): Layer {
    const out = this.trees;
    this.trees = emptyTrees();
    this.ops = 0;
    this.frozen = undefined;
    return out;
  }
}

function emptyTrees(): (BucketWrites | undefined)[] {
  return ALL_BUCKETS.map(() => undefined);
}
