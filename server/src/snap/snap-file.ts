import { snappb } from '../pb/index.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from '../raft/index.js';
import { crc32c, errorMessage, hex8 } from '../util/index.js';
import { SnapshotCorruptError } from './errors.js';
import type { SnapName } from './snap-name.js';

/**
 * The bytes of a `.snap` file: the envelope `snappb.snapshot {crc, data}` where data is the
 * encoded raftpb.Snapshot and crc its CRC-32C — the same bytes etcd's Snapshotter writes.
 */
export function encodeSnapFile(s: Snapshot): Uint8Array {
  const data = encodeSnapshot(s);
  return snappb.snapshot.encode({ crc: crc32c(data), data }).finish();
}

/**
 * Decodes and checks a `.snap` file's bytes. Every check that fails throws a
 * SnapshotCorruptError naming `file`: empty file, undecodable or non-canonical envelope,
 * missing field, CRC mismatch, undecodable raft snapshot, and (when `expect` is given) a
 * term/index that does not match the file name. The name check matters: the name is what the WAL's snapshot records
 * are matched against, so a file whose name lies would restore the wrong state.
 */
export function decodeSnapFile(bytes: Uint8Array, file: string, expect?: SnapName): Snapshot {
  if (bytes.length === 0) throw new SnapshotCorruptError(file, 'empty file');
  const env = decodeEnvelope(bytes, file);
  const hasCrc = Object.hasOwn(env, 'crc');
  const hasData = Object.hasOwn(env, 'data');
  if (!hasCrc || !hasData) {
    throw new SnapshotCorruptError(file, `missing ${hasCrc ? 'data' : 'crc'} field`);
  }
  if (!sameBytes(snappb.snapshot.encode(env).finish(), bytes)) {
    // The decoder is lenient (it ignores wire types, skips unknown fields, lets a repeated
    // field win): a damaged envelope can still decode. The bytes we and etcd write are the
    // one canonical encoding, so anything else is damage.
    throw new SnapshotCorruptError(file, 'envelope is not in canonical form (damaged framing)');
  }
  const actual = crc32c(env.data);
  if (actual !== env.crc) {
    throw new SnapshotCorruptError(file, `crc mismatch: stored ${hex8(env.crc)}, computed ${hex8(actual)}`);
  }
  let snap: Snapshot;
  try {
    snap = decodeSnapshot(env.data);
  } catch (err) {
    throw new SnapshotCorruptError(file, `bad raft snapshot: ${errorMessage(err)}`, { cause: err });
  }
  if (expect !== undefined) checkName(snap, file, expect);
  return snap;
}

function decodeEnvelope(bytes: Uint8Array, file: string): snappb.snapshot {
  try {
    return snappb.snapshot.decode(bytes);
  } catch (err) {
    throw new SnapshotCorruptError(file, `bad envelope: ${errorMessage(err)}`, { cause: err });
  }
}

function checkName(snap: Snapshot, file: string, expect: SnapName): void {
  const { term, index } = snap.metadata;
  if (BigInt(term) !== expect.term || BigInt(index) !== expect.index) {
    throw new SnapshotCorruptError(
      file,
      `name says term ${expect.term} index ${expect.index}, contents say term ${term} index ${index}`,
    );
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

