import { type Backend, Bucket } from '../backend/index.js';
import { errorMessage } from '../util/index.js';
import type { Change } from './change.js';
import { StoreCorruptError } from './errors.js';
import { decodeKeyValue, type KeyValue } from './kv-codec.js';
import { decodeRevisionKey, encodeRevisionKey } from './revision.js';

/** The changes of revisions [from, upto], read from the backend for watchers catching up. */
export interface ChangesRead {
  readonly changes: Change[];
  /** The last revision read in full: `to`, or less when `limit` stopped the read early. */
  readonly upto: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Reads the changes of revisions `from`..`to` from the key bucket, in revision order, stopping
 * after about `limit` records — but never inside a revision, so a revision's events are always
 * delivered together. `prev` is left undefined: the watcher asks for it when it wants it.
 */
export function readChanges(backend: Backend, from: number, to: number, limit: number): ChangesRead {
  const changes: Change[] = [];
  let lastMain = 0;
  let stopped = false;
  const view = backend.readView();
  try {
    const start = encodeRevisionKey({ main: from, sub: 0 });
    const end = encodeRevisionKey({ main: to + 1, sub: 0 }).subarray(0, 8);
    view.forEach(Bucket.key, start, end, (k, v) => {
      const { rev, tombstone } = decodeRevisionKey(k);
      if (changes.length >= limit && rev.main !== lastMain) {
        stopped = true;
        return false;
      }
      lastMain = rev.main;
      changes.push(toChange(rev.main, tombstone, v));
      return true;
    });
  } finally {
    view.release();
  }
  return { changes, upto: stopped ? lastMain : to };
}

function toChange(main: number, tombstone: boolean, value: Uint8Array): Change {
  let kv: KeyValue;
  try {
    kv = decodeKeyValue(Uint8Array.from(value));
  } catch (err) {
    throw new StoreCorruptError(`record of revision ${main} is not a KeyValue: ${errorMessage(err)}`, { cause: err });
  }
  if (!tombstone) return { type: 'put', kv, prev: undefined };
  return { type: 'delete', kv: { key: kv.key, createRevision: 0, modRevision: main, version: 0, value: EMPTY, lease: 0n }, prev: undefined };
}
