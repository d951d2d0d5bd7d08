import { closeSync, fsyncSync, openSync } from 'node:fs';

/** Fsyncs a directory so that creates, renames and unlinks inside it are durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
