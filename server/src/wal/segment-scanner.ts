import { crc32c, errorMessage, hex8 } from '../util/index.js';
import { WalCorruptError } from './errors.js';
import { LENGTH_WORD_BYTES, padBytes, padMarker } from './frame-writer.js';
import { type RawRecord, decodeRecord } from './record-codec.js';
import { RecordType, isRecordType } from './record-type.js';
import { allZero, hasZeroSector } from './zero.js';

/** One frame of a segment: where it starts and ends, its record's size and the record. */
export interface Frame {
  offset: number;
  end: number;
  size: number;
  rec: RawRecord & { type: RecordType };
}

/**
 * How a segment's frames ended: at a zero length word or the end of the file (`clean`), or at
 * a torn frame of the last segment (`torn`: open truncates the file at `offset`).
 */
export type SegmentEnd = { kind: 'clean'; offset: number } | { kind: 'torn'; offset: number; reason: string };

/** The running CRC across records, shared by the scanner and the reader. */
export interface CrcChain {
  value: number;
}

const TWO_32 = 0x1_0000_0000;

/**
 * Walks the frames of one segment file held in `buf`, verifying each record's CRC against the
 * chain (crc records are left to the caller, which knows the segment header). A frame that
 * runs past the end of the last segment, or that fails while it is the last frame of the last
 * segment and has an all-zero sector, is a torn write: the walk ends there. Any other failure
 * throws WalCorruptError naming the file and the frame's offset.
 */
export function* scanFrames(buf: Buffer, file: string, isLast: boolean, chain: CrcChain): Generator<Frame, SegmentEnd> {
  const corrupt = (offset: number, reason: string) => new WalCorruptError(file, offset, reason);
  let off = 0;
  for (;;) {
    if (off === buf.length) return { kind: 'clean', offset: off };
    if (buf.length - off < LENGTH_WORD_BYTES) {
      if (isLast) return { kind: 'torn', offset: off, reason: 'length word runs past end of file' };
      throw corrupt(off, 'length word runs past end of file');
    }
    const lo = buf.readUInt32LE(off);
    const hi = buf.readUInt32LE(off + 4);
    if (lo === 0 && hi === 0) {
      if (!allZero(buf, off, buf.length)) throw corrupt(off, 'nonzero data after a zero length word');
      return { kind: 'clean', offset: off };
    }
    const len = lo + (hi & 0xffffff) * TWO_32;
    const marker = hi >>> 24;
    if (marker !== padMarker(len)) throw corrupt(off, `bad padding byte 0x${marker.toString(16)} for a ${len}-byte record`);
    const recStart = off + LENGTH_WORD_BYTES;
    const recEnd = recStart + len;
    const frameEnd = recEnd + padBytes(len);
    if (frameEnd > buf.length) {
      if (isLast) return { kind: 'torn', offset: off, reason: `frame of ${len} bytes runs past end of file` };
      throw corrupt(off, `frame of ${len} bytes runs past end of file (${buf.length} bytes)`);
    }
    const r = readRecord(buf, recStart, recEnd, frameEnd, chain);
    if (typeof r === 'string') {
      if (isLast && allZero(buf, frameEnd, buf.length) && hasZeroSector(buf, recStart, recEnd)) {
        return { kind: 'torn', offset: off, reason: r };
      }
      throw corrupt(off, r);
    }
    yield { offset: off, end: frameEnd, size: len, rec: r };
    off = frameEnd;
  }
}

/** Decodes and checks one record; returns what is wrong with it as a string. */
function readRecord(buf: Buffer, start: number, end: number, frameEnd: number, chain: CrcChain): (RawRecord & { type: RecordType }) | string {
  if (!allZero(buf, end, frameEnd)) return 'nonzero padding';
  let rec: RawRecord;
  try {
    rec = decodeRecord(buf.subarray(start, end));
  } catch (e) {
    return `undecodable record: ${errorMessage(e)}`;
  }
  const type = rec.type;
  if (!isRecordType(type)) return `unknown record type ${type}`;
  if (type === RecordType.Crc) {
    if (rec.data.length !== 0) return 'crc record carries data';
  } else {
    const crc = crc32c(rec.data, chain.value);
    if (crc !== rec.crc) return `crc mismatch: record has ${hex8(rec.crc)}, the chain gives ${hex8(crc)}`;
    chain.value = crc;
  }
  return { ...rec, type };
}

