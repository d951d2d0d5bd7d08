import { crc32c } from '../util/index.js';
import type { Entry } from '../raft/index.js';
import { RecordType } from './record-type.js';

/** Bytes of the little-endian length word in front of every record. */
export const LENGTH_WORD_BYTES = 8;

/** Zero bytes after a record of `len` bytes so that the next frame starts 8-byte aligned. */
export function padBytes(len: number): number {
  return (8 - (len % 8)) % 8;
}

/** The top byte of a length word: 0x80 | padding when the record is padded, else 0. */
export function padMarker(len: number): number {
  const pad = padBytes(len);
  return pad === 0 ? 0 : 0x80 | pad;
}

/** A buffer grown past this by one huge write is dropped at the next reset. */
const MAX_KEPT_BYTES = 8 * 1024 * 1024;

function varintLen(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/**
 * Builds the frames of one write in a reusable buffer, extending the CRC chain as it goes.
 *
 * The walpb.Record is encoded by hand (type, crc, then data when non-empty, as etcd's gogo
 * encoder writes it) straight into the frame, so a record costs one copy of its data and one
 * CRC pass, with no intermediate protobuf writer. Tests check the bytes against protobufjs.
 */
export class FrameWriter {
  private buf: Buffer;
  private len = 0;
  /** Scratch space for an entry's field header (at most 4 tags and 4 varints). */
  private readonly head = new Uint8Array(48);

  constructor(
    /** The running CRC: that of the last record appended (or of the log before it). */
    public crc: number,
    initialBytes = 64 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Starts a new write (keeps the CRC chain); lets go of a buffer one huge write grew. */
  reset(): void {
    this.len = 0;
    if (this.buf.length > MAX_KEPT_BYTES) this.buf = Buffer.allocUnsafe(64 * 1024);
  }

  get length(): number {
    return this.len;
  }

  /** The frames appended since the last reset (a view: valid until the next append/reset). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** Appends a record carrying `data`; its crc chains from the previous record. */
  append(type: RecordType, data: Uint8Array): void {
    this.crc = crc32c(data, this.crc);
    this.frame(type, this.crc, 0, data);
  }

  /**
   * Appends an entry record, encoding the raftpb.Entry in place: the same bytes as raft's
   * encodeEntry (fields Type, Term, Index, Data in that order), without building them apart.
   * The CRC runs over the small field header, then chains over the data.
   */
  appendEntry(e: Entry): void {
    const h = this.head;
    let n = 0;
    h[n++] = 0x08; // field 1 (Type), varint
    n = writeVarint(h, n, e.type);
    h[n++] = 0x10; // field 2 (Term), varint
    n = writeVarint(h, n, e.term);
    h[n++] = 0x18; // field 3 (Index), varint
    n = writeVarint(h, n, e.index);
    h[n++] = 0x22; // field 4 (Data), length-delimited
    n = writeVarint(h, n, e.data.length);
    this.crc = crc32c(e.data, crc32c(h.subarray(0, n), this.crc));
    this.frame(RecordType.Entry, this.crc, n, e.data);
  }

  /** Appends the crc record that starts a segment: no data, the running crc as its value. */
  appendCrc(): void {
    this.frame(RecordType.Crc, this.crc, 0, undefined);
  }

  /** Writes one frame whose record data is this.head[0, headLen) followed by `body`. */
  private frame(type: RecordType, crc: number, headLen: number, body: Uint8Array | undefined): void {
    const dataLen = headLen + (body === undefined ? 0 : body.length);
    const recLen = 2 + 1 + varintLen(crc) + (dataLen > 0 ? 1 + varintLen(dataLen) + dataLen : 0);
    const pad = padBytes(recLen);
    this.reserve(LENGTH_WORD_BYTES + recLen + pad);
    const b = this.buf;
    let p = this.len;
    b.writeUInt32LE(recLen % 0x1_0000_0000, p);
    b.writeUInt32LE(((padMarker(recLen) << 24) >>> 0) + Math.floor(recLen / 0x1_0000_0000), p + 4);
    p += LENGTH_WORD_BYTES;
    b[p++] = 0x08; // field 1 (type), varint
    b[p++] = type;
    b[p++] = 0x10; // field 2 (crc), varint
    p = writeVarint(b, p, crc);
    if (dataLen > 0) {
      b[p++] = 0x1a; // field 3 (data), length-delimited
      p = writeVarint(b, p, dataLen);
      for (let i = 0; i < headLen; i++) b[p++] = this.head[i] ?? 0;
      if (body !== undefined) {
        b.set(body, p);
        p += body.length;
      }
    }
    for (let i = 0; i < pad; i++) b[p++] = 0;
    this.len = p;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

function writeVarint(b: Uint8Array, p: number, n: number): number {
  while (n >= 128) {
    b[p++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  b[p++] = n;
  return p;
}
