import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { BboltInputError, BboltSnapshotHashError } from './errors.js';

/** Bytes of the SHA-256 trailer etcd puts after the db bytes of a snapshot. */
export const SHA256_TRAILER_BYTES = 32;

/**
 * etcd's test for "this snapshot carries a hash": a db file is a whole number of pages (a
 * multiple of 512), so 32 bytes beyond such a multiple can only be the trailer.
 */
export function hasSha256Trailer(size: number): boolean {
  return size % 512 === SHA256_TRAILER_BYTES;
}

/**
 * Appends the 32-byte SHA-256 of the file's current bytes, as etcd ends a snapshot, and fsyncs.
 * Reads the file in chunks: memory stays small whatever its size.
 */
export async function appendSha256(path: string): Promise<Buffer> {
  const file = await open(path, 'r+');
  try {
    const size = (await file.stat()).size;
    const digest = await sha256Of(file, size, path);
    await file.write(digest, 0, digest.byteLength, size);
    await file.sync();
    return digest;
  } finally {
    await file.close();
  }
}

export interface SnapshotFileCheck {
  /** Whether the file ends in a SHA-256 trailer (which then matched). */
  readonly hasHash: boolean;
  /** Bytes of the bbolt database: the file without its trailer. */
  readonly dbSize: number;
}

/**
 * Checks a snapshot file's SHA-256 trailer when it has one (size % 512 == 32); a file without one
 * passes with `hasHash: false` (etcd then asks for --skip-hash-check). A mismatch throws
 * BboltSnapshotHashError naming the trailer's offset.
 */
export async function verifySnapshotFile(path: string): Promise<SnapshotFileCheck> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    if (!hasSha256Trailer(size)) return { hasHash: false, dbSize: size };
    const dbSize = size - SHA256_TRAILER_BYTES;
    const computed = await sha256Of(file, dbSize, path);
    const trailer = Buffer.alloc(SHA256_TRAILER_BYTES);
    const { bytesRead } = await file.read(trailer, 0, SHA256_TRAILER_BYTES, dbSize);
    if (bytesRead !== SHA256_TRAILER_BYTES || !computed.equals(trailer)) {
      throw new BboltSnapshotHashError({ file: path, offset: dbSize }, trailer, computed);
    }
    return { hasHash: true, dbSize };
  } finally {
    await file.close();
  }
}

/** SHA-256 of the first `size` bytes of an open file, read in 1 MiB chunks. */
async function sha256Of(file: FileHandle, size: number, path: string): Promise<Buffer> {
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 20);
  for (let at = 0; at < size; ) {
    const { bytesRead } = await file.read(chunk, 0, Math.min(chunk.byteLength, size - at), at);
    if (bytesRead === 0) throw new BboltInputError(`${path}: file shrank while hashing (at ${at} of ${size})`);
    hash.update(chunk.subarray(0, bytesRead));
    at += bytesRead;
  }
  return hash.digest();
}
