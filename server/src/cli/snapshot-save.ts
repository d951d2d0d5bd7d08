import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import * as grpc from '@grpc/grpc-js';
import { verifySnapshotFile } from '../backend/bbolt/index.js';
import { maintenanceService } from '../pb/services.js';
import { fsyncDir } from '../util/index.js';
import { UsageError } from './errors.js';

export const SNAPSHOT_SAVE_USAGE = 'usage: cairn snapshot save FILE [--endpoints HOST:PORT]';

/** A snapshot's bytes as the Maintenance Snapshot stream sends them. */
interface SnapshotChunk {
  blob?: Uint8Array | null;
}

/**
 * `cairn snapshot save FILE`: streams a member's snapshot (etcd's or Cairn's) into FILE.part,
 * checks the SHA-256 trailer the member appended, fsyncs, then renames to FILE, so FILE exists
 * only when it is whole. Prints what etcdctl prints.
 */
export async function snapshotSaveCommand(args: readonly string[], out: (line: string) => void): Promise<number> {
  const { file, endpoint } = parseSaveArgs(args);
  const part = `${file}.part`;
  try {
    await download(endpoint, part);
    await verifySnapshotFile(part);
    const fh = await open(part, 'r');
    await fh.sync();
    await fh.close();
    renameSync(part, file);
    fsyncDir(dirname(file));
  } catch (err) {
    rmSync(part, { force: true });
    throw err;
  }
  out(`Snapshot saved at ${file}`);
  return 0;
}

function parseSaveArgs(args: readonly string[]): { file: string; endpoint: string } {
  const files: string[] = [];
  let endpoint = '127.0.0.1:2379';
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--endpoints') endpoint = args[++i] ?? '';
    else if (a.startsWith('--endpoints=')) endpoint = a.slice('--endpoints='.length);
    else if (a.startsWith('-')) throw new UsageError(`unknown flag: ${a}\n${SNAPSHOT_SAVE_USAGE}`);
    else files.push(a);
  }
  if (files.length !== 1) throw new UsageError(`snapshot save expects one argument\n${SNAPSHOT_SAVE_USAGE}`);
  if (endpoint === '' || endpoint.includes(',')) throw new UsageError(`snapshot save must be requested to one selected node, not multiple [${endpoint}]`);
  return { file: files[0] as string, endpoint: endpoint.replace(/^https?:\/\//, '') };
}

async function download(endpoint: string, path: string): Promise<void> {
  const Client = grpc.makeGenericClientConstructor(maintenanceService as unknown as grpc.ServiceDefinition, 'Maintenance');
  const client = new Client(endpoint, grpc.credentials.createInsecure());
  const sink = createWriteStream(path);
  try {
    const call = (client as unknown as { Snapshot(req: object): grpc.ClientReadableStream<SnapshotChunk> }).Snapshot({});
    for await (const chunk of call as AsyncIterable<SnapshotChunk>) {
      if (chunk.blob && chunk.blob.byteLength > 0 && !sink.write(chunk.blob)) await once(sink, 'drain');
    }
  } finally {
    sink.end();
    await finished(sink);
    client.close();
  }
}
