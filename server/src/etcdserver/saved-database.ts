import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Backend } from '../backend/index.js';
import type { Logger } from '../util/index.js';
import type { BootedRaft } from './bootstrap.js';
import type { ServerConfig } from './config.js';
import { dbFileOf } from './snapshots.js';

/** The db bytes of a backend snapshot stream, without its SHA-256 trailer (the transport adds its own). */
export async function* withoutDigest(stream: Readable, dbSize: number): AsyncGenerator<Uint8Array> {
  let left = dbSize;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    if (left <= 0) break;
    const part = b.length > left ? b.subarray(0, left) : b;
    left -= part.length;
    yield part;
  }
}

/**
 * A member that stopped between saving a snapshot from the leader and installing its database
 * restarts with a backend older than the snapshot: the saved database is installed now (etcd's
 * recoverSnapshotBackend). Without it the member cannot serve: its data would miss entries.
 */
export async function installSavedDatabase(cfg: ServerConfig, booted: BootedRaft, backend: Backend, log: Logger): Promise<void> {
  const at = booted.snapshot?.metadata.index ?? 0;
  const ci = backend.consistentIndex().index;
  if (at === 0 || ci >= at) return;
  const file = dbFileOf(cfg, at);
  if (!existsSync(file)) {
    await backend.close();
    throw new Error(`the backend (consistent index ${ci}) is older than the raft snapshot at index ${at}, and that snapshot's database ${file} is missing`);
  }
  log.info('installing the snapshot database saved before the restart', { 'snapshot-index': at, 'consistent-index': ci, file });
  await backend.replaceWith(file);
}
