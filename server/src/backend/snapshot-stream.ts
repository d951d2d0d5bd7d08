import { createHash } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { SnapshotDigestError } from './errors.js';

/** Bytes of the SHA-256 trailer that follows the db bytes in a snapshot stream. */
export const SNAPSHOT_DIGEST_BYTES = 32;

/** A snapshot of the backend: the db file's bytes, then their SHA-256. */
export interface BackendSnapshot {
  stream: Readable;
  /** Bytes of the db copy. */
  dbSize: number;
  /** Bytes the stream yields: dbSize + 32. */
  size: number;
}

/**
 * Streams a temporary db copy followed by its digest, and removes the file when the stream
 * ends, fails or is destroyed (even before the first read).
 */
export function streamSnapshotFile(file: string, dbSize: number): BackendSnapshot {
  const remove = (): void => rmSync(file, { force: true });
  async function* chunks(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    try {
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
        const b = chunk as Buffer;
        hash.update(b);
        yield b;
      }
      yield hash.digest();
    } finally {
      remove();
    }
  }
  const stream = Readable.from(chunks(), { objectMode: false });
  stream.once('close', remove);
  return { stream, dbSize, size: dbSize + SNAPSHOT_DIGEST_BYTES };
}

/**
 * Checks a snapshot's SHA-256 trailer — given its bytes or the path of a file holding them —
 * and returns the size of the db part. Throws SnapshotDigestError on a mismatch.
 */
export async function verifySnapshotDigest(source: Uint8Array | string): Promise<{ dbSize: number }> {
  if (typeof source !== 'string') {
    const dbSize = checkLength(source.byteLength);
    const digest = createHash('sha256').update(source.subarray(0, dbSize)).digest();
    compare(digest, source.subarray(dbSize));
    return { dbSize };
  }
  const fh = await openFile(source, 'r');
  try {
    const dbSize = checkLength((await fh.stat()).size);
    const hash = createHash('sha256');
    if (dbSize > 0) {
      for await (const chunk of fh.createReadStream({ start: 0, end: dbSize - 1, autoClose: false })) hash.update(chunk as Buffer);
    }
    const trailer = Buffer.alloc(SNAPSHOT_DIGEST_BYTES);
    await fh.read(trailer, 0, SNAPSHOT_DIGEST_BYTES, dbSize);
    compare(hash.digest(), trailer);
    return { dbSize };
  } finally {
    await fh.close();
  }
}

function checkLength(total: number): number {
  if (total < SNAPSHOT_DIGEST_BYTES) {
    throw new SnapshotDigestError(`snapshot of ${total} bytes is too short to hold its ${SNAPSHOT_DIGEST_BYTES}-byte digest`);
  }
  return total - SNAPSHOT_DIGEST_BYTES;
}

function compare(actual: Buffer, expected: Uint8Array): void {
  if (!actual.equals(expected)) {
    throw new SnapshotDigestError(
      `snapshot digest mismatch: bytes hash to ${actual.toString('hex')}, trailer says ${Buffer.from(expected).toString('hex')}`,
    );
  }
}
