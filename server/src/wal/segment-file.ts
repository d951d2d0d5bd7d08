import { closeSync, fstatSync, ftruncateSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir } from '../util/index.js';

/**
 * Creates a segment the crash-safe way: write it under a temporary name, preallocate it,
 * write the header records, fsync, then rename it into place and fsync the directory. A crash
 * leaves either no segment or a whole one (plus a `.tmp` that the next open removes).
 *
 * `prepared`, when given, is a `.tmp` file the SegmentPipeline already wrote through with
 * zeros to the full size and fsynced; it becomes the segment. Without one, preallocation is
 * ftruncate: instant, and the unwritten tail reads back as zeros, which is what the torn-write
 * checks rely on (blocks are then allocated as appends arrive).
 *
 * Returns the open file descriptor (read-write), positioned nowhere: writes are positional.
 */
export function createSegment(dir: string, name: string, preallocate: number, header: Uint8Array, prepared?: string): number {
  const tmp = prepared ?? join(dir, `${name}.tmp`);
  const fd = openSync(tmp, prepared === undefined ? 'w+' : 'r+');
  try {
    if (fstatSync(fd).size < Math.max(preallocate, header.length)) ftruncateSync(fd, Math.max(preallocate, header.length));
    writeFully(fd, header, 0);
    fsyncSync(fd);
    renameSync(tmp, join(dir, name));
    fsyncDir(dir);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Writes all of `data` at `position` (a regular file may still take it in pieces). */
export function writeFully(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) {
    done += writeSync(fd, data, done, data.length - done, position + done);
  }
}

/**
 * Zeroes everything from `offset` on (a torn tail), keeping the file at least `preallocate`
 * bytes long so later appends still land in allocated space, and fsyncs it.
 */
export function truncateTail(fd: number, offset: number, preallocate: number): void {
  const size = fstatSync(fd).size;
  ftruncateSync(fd, offset);
  ftruncateSync(fd, Math.max(preallocate, size, offset));
  fsyncSync(fd);
}

/** Removes `*.tmp` files (segments a crash left half-made). Returns their names. */
export function removeTempFiles(dir: string): string[] {
  const tmps = readdirSync(dir).filter((n) => n.endsWith('.tmp'));
  for (const n of tmps) unlinkSync(join(dir, n));
  if (tmps.length > 0) fsyncDir(dir);
  return tmps;
}
