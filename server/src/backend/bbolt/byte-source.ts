import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Random access to a database's bytes: a file read page by page (never loaded whole), or a
 * buffer already in memory. `read` returns fewer bytes than asked only at the end.
 */
export interface ByteSource {
  /** For messages: the path, or "<buffer>". */
  readonly name: string;
  readonly size: number;
  read(offset: number, length: number): Buffer;
  close(): void;
}

export function fileSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  let open = true;
  return {
    name: path,
    size,
    read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const out = Buffer.allocUnsafe(n);
      let done = 0;
      while (done < n) {
        const got = readSync(fd, out, done, n - done, offset + done);
        if (got === 0) return out.subarray(0, done);
        done += got;
      }
      return out;
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

export function bufferSource(bytes: Uint8Array, name = '<buffer>'): ByteSource {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    name,
    size: buf.byteLength,
    read: (offset, length) => buf.subarray(Math.min(offset, buf.byteLength), Math.min(offset + length, buf.byteLength)),
    close: () => undefined,
  };
}
