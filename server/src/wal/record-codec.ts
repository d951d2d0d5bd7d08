import { walpb } from '../pb/index.js';
import { type Entry, EntryType, type HardState, confStateFromPb, confStateToPb, decodeEntry, decodeHardState, index, term } from '../raft/index.js';
import { toSafeNumber } from '../util/index.js';
import type { WalSnapshot } from './types.js';

/**
 * Strict decoding of WAL records and their payloads. The record's CRC covers only its data, not
 * its type, so a damaged type byte can make one kind of payload pass for another (an entry read
 * as a hard state, say). Decoding therefore refuses unknown fields and wrong wire types, and
 * checks what each payload must carry, so such damage is caught instead of replayed.
 */

/** A walpb.Record as it sits in a frame; `data` is a view into the frame's buffer. */
export interface RawRecord {
  type: number;
  crc: number;
  data: Buffer;
}

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const EMPTY = Buffer.alloc(0);

/** Field number → wire type (undefined: the field does not exist). */
type FieldSpec = readonly (number | undefined)[];
const RECORD_FIELDS: FieldSpec = [undefined, WIRE_VARINT, WIRE_VARINT, WIRE_BYTES];
const ENTRY_FIELDS: FieldSpec = [undefined, WIRE_VARINT, WIRE_VARINT, WIRE_VARINT, WIRE_BYTES];
const STATE_FIELDS: FieldSpec = [undefined, WIRE_VARINT, WIRE_VARINT, WIRE_VARINT];
const SNAPSHOT_FIELDS: FieldSpec = [undefined, WIRE_VARINT, WIRE_VARINT, WIRE_BYTES];
const METADATA_FIELDS: FieldSpec = [undefined, WIRE_VARINT, WIRE_VARINT];

interface Field {
  num: number;
  start: number; // where the varint value, or the bytes, start
  end: number;
  value: number; // varint value, or the start of a bytes field
}

function readVarint(buf: Uint8Array, p: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const b = buf[p + i];
    if (b === undefined) throw new Error('truncated varint');
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, p + i + 1];
    scale *= 128;
  }
  throw new Error('varint longer than 10 bytes');
}

/** Walks a message's fields, refusing unknown fields, wrong wire types and repeats. */
function fields(buf: Uint8Array, spec: FieldSpec, what: string): Field[] {
  const out: Field[] = [];
  let seen = 0;
  let p = 0;
  while (p < buf.length) {
    const [tag, afterTag] = readVarint(buf, p);
    const num = Math.floor(tag / 8);
    const wire = tag % 8;
    if (spec[num] === undefined || spec[num] !== wire) throw new Error(`${what}: unexpected field ${num} (wire type ${wire})`);
    if (seen & (1 << num)) throw new Error(`${what}: field ${num} repeated`);
    seen |= 1 << num;
    const [value, after] = readVarint(buf, afterTag);
    if (wire === WIRE_BYTES) {
      if (after + value > buf.length) throw new Error(`${what}: field ${num} runs past the end`);
      out.push({ num, start: after, end: after + value, value: after });
      p = after + value;
    } else {
      out.push({ num, start: afterTag, end: after, value });
      p = after;
    }
  }
  return out;
}

/** Decodes the walpb.Record inside a frame. */
export function decodeRecord(buf: Buffer): RawRecord {
  const rec: RawRecord = { type: 0, crc: 0, data: EMPTY };
  for (const f of fields(buf, RECORD_FIELDS, 'record')) {
    if (f.num === 1) rec.type = f.value;
    else if (f.num === 2) {
      if (f.value > 0xffffffff) throw new Error('record: crc exceeds 32 bits');
      rec.crc = f.value;
    } else rec.data = buf.subarray(f.value, f.end);
  }
  return rec;
}

/** An entry record's payload. The entry's data is copied out of the file buffer. */
export function decodeEntryPayload(data: Uint8Array): Entry {
  const present = fields(data, ENTRY_FIELDS, 'entry').some((f) => f.num === 4);
  const e = decodeEntry(data);
  // Our writer always writes the data field; etcd omits it only for empty normal entries.
  if (!present && e.type !== EntryType.Normal) throw new Error(`entry ${e.index}: conf change entry without data`);
  return { ...e, data: new Uint8Array(e.data) };
}

export function decodeStatePayload(data: Uint8Array): HardState {
  fields(data, STATE_FIELDS, 'hard state');
  return decodeHardState(data);
}

export function decodeSnapshotPayload(data: Uint8Array): WalSnapshot {
  fields(data, SNAPSHOT_FIELDS, 'snapshot');
  const m = walpb.Snapshot.decode(data);
  const s: WalSnapshot = { index: index(toSafeNumber(m.index, 'snapshot index')), term: term(toSafeNumber(m.term, 'snapshot term')) };
  if (m.confState !== null && m.confState !== undefined) s.confState = confStateFromPb(m.confState);
  return s;
}

export function encodeSnapshotPayload(s: WalSnapshot): Uint8Array {
  const m: walpb.ISnapshot = { index: s.index, term: s.term };
  if (s.confState !== undefined) m.confState = confStateToPb(s.confState);
  return walpb.Snapshot.encode(m).finish();
}

/** etcdserverpb.Metadata's two ids, when the opaque metadata bytes are exactly that message. */
export function decodeMetadataIds(data: Uint8Array): { node: bigint; cluster: bigint } | undefined {
  try {
    const ids = { node: 0n, cluster: 0n };
    for (const f of fields(data, METADATA_FIELDS, 'metadata')) {
      const v = readUint64(data, f);
      if (f.num === 1) ids.node = v;
      else ids.cluster = v;
    }
    return ids;
  } catch {
    return undefined;
  }
}

/** Re-reads a varint field exactly as a bigint (ids are random 64-bit values). */
function readUint64(buf: Uint8Array, f: Field): bigint {
  let v = 0n;
  for (let p = f.end - 1; p >= f.start; p--) v = (v << 7n) | BigInt((buf[p] ?? 0) & 0x7f);
  return v & 0xffffffffffffffffn;
}
