import { ALL_BUCKETS } from '../bucket.js';
import type { ReadView } from '../read-view.js';
import type { BboltBucketSource } from './writer.js';

const EMPTY = new Uint8Array(0);

/**
 * Every backend bucket as writer input, in bbolt's order (byte order of the names), each pair
 * streamed lazily from one consistent read view. The caller keeps the view open until the
 * write finishes, then releases it.
 */
export function readViewSource(view: ReadView): BboltBucketSource[] {
  return [...ALL_BUCKETS]
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((bucket) => ({ name: Buffer.from(bucket), entries: view.entries(bucket, EMPTY) }));
}
