import { InvalidKeyError } from './errors.js';

/**
 * The longest key lmdb-js accepts with the default page size. etcd's keys in the backend are
 * short (17-byte revisions, lease ids, member ids, user and role names).
 */
export const MAX_KEY_BYTES = 1978;

/** A Buffer over the same bytes (no copy), for lookups. */
export function view(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A private copy, for bytes the backend keeps (pending writes): callers may reuse their buffers. */
export function copy(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes);
}

/** Throws unless LMDB can store the key. */
export function checkKey(key: Uint8Array): void {
  if (key.byteLength === 0) throw new InvalidKeyError('empty key: LMDB cannot store zero-length keys');
  if (key.byteLength > MAX_KEY_BYTES) {
    throw new InvalidKeyError(`key of ${key.byteLength} bytes is longer than the ${MAX_KEY_BYTES}-byte limit`);
  }
}

/** A range bound: undefined stays open; an empty start means the first key. */
export function bound(bytes: Uint8Array | undefined): Buffer | undefined {
  if (bytes === undefined || bytes.byteLength === 0) return undefined;
  if (bytes.byteLength > MAX_KEY_BYTES) {
    throw new InvalidKeyError(`range bound of ${bytes.byteLength} bytes is longer than the ${MAX_KEY_BYTES}-byte limit`);
  }
  return view(bytes);
}
