import { CairnError } from '../util/index.js';

/** The meta-bucket keys etcd 3.4 uses for the applied raft position. */
export const CONSISTENT_INDEX_KEY = Buffer.from('consistent_index');
export const TERM_KEY = Buffer.from('term');

/** The raft position whose effects the backend holds (0, 0 when nothing was applied). */
export interface ConsistentIndex {
  index: number;
  term: number;
}

/** 8-byte big-endian unsigned, as etcd stores both values. */
export function encodeUint64BE(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`);
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

export function decodeUint64BE(b: Buffer | undefined, what: string): number {
  if (b === undefined) return 0;
  if (b.byteLength !== 8) throw new CairnError(`meta ${what} has ${b.byteLength} bytes, want 8`);
  const n = b.readBigUInt64BE();
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new CairnError(`meta ${what} ${n} exceeds 2^53-1`);
  return Number(n);
}
