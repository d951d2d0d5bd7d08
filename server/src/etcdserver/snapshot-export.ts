import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Backend } from '../backend/index.js';
import { appendSha256, readViewSource, writeBboltFile } from '../backend/bbolt/index.js';
import { type ServerConfig, memberDir } from './config.js';
import type { SnapshotStream } from './server-api.js';

/**
 * The Maintenance Snapshot stream: the backend as etcd's bbolt database, built from one
 * consistent read view into a temporary file beside the data (writers go on meanwhile), then
 * streamed in chunks followed by its SHA-256, and removed once read.
 */
export async function exportSnapshot(backend: Backend, cfg: ServerConfig): Promise<SnapshotStream> {
  const dir = await mkdtemp(join(memberDir(cfg), 'snapshot-'));
  const file = join(dir, 'db');
  const view = backend.readView();
  try {
    await writeBboltFile(file, readViewSource(view));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  } finally {
    view.release();
  }
  const size = (await stat(file)).size;
  const digest = await appendSha256(file);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      let sent = 0;
      for await (const c of createReadStream(file, { end: size - 1, highWaterMark: 32 * 1024 })) {
        sent += (c as Buffer).byteLength;
        yield c as Buffer;
      }
      if (sent !== size) throw new Error(`snapshot file shrank while streaming: ${sent} of ${size} bytes`);
      yield digest;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { size, chunks: chunks() };
}
