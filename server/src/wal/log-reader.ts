import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNever, errorMessage, hex8 } from '../util/index.js';
import { WalCorruptError } from './errors.js';
import { decodeEntryPayload, decodeSnapshotPayload, decodeStatePayload } from './record-codec.js';
import { RecordType, recordTypeName } from './record-type.js';
import type { Segment } from './segment-name.js';
import { type CrcChain, type Frame, type SegmentEnd, scanFrames } from './segment-scanner.js';
import type { RecordAt, WalRecord } from './types.js';

/** Where and how the last segment read ended. */
export interface LogEnd {
  file: string;
  segment: Segment;
  end: SegmentEnd;
}

/**
 * Reads the records of consecutive segments in order, checking what the frames alone cannot:
 * each segment opens with a crc record that continues the chain, then the metadata (the same
 * in every segment), then a snapshot marker (first segment of the log) or the hard state (the
 * others); crc and metadata records appear nowhere else; payloads decode strictly. Reading
 * never changes a file: a torn tail is only reported (in `end`).
 */
export class LogReader {
  readonly chain: CrcChain = { value: 0 };
  metadata: Uint8Array | undefined;
  end: LogEnd | undefined;

  constructor(
    private readonly dir: string,
    private readonly segments: readonly Segment[],
  ) {}

  *records(): Generator<RecordAt, void> {
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i];
      if (seg !== undefined) yield* this.segment(seg, i === 0, i === this.segments.length - 1);
    }
  }

  private *segment(seg: Segment, first: boolean, last: boolean): Generator<RecordAt, void> {
    const file = join(this.dir, seg.name);
    const frames = scanFrames(readFileSync(file), file, last, this.chain);
    let pos = 0;
    for (let r = frames.next(); ; r = frames.next()) {
      if (r.done === true) {
        if (pos < 3) throw new WalCorruptError(file, r.value.offset, `segment ends after ${pos} records, inside its header`);
        this.end = { file, segment: seg, end: r.value };
        return;
      }
      const f = r.value;
      try {
        yield { file, offset: f.offset, size: f.size, record: this.decode(seg, pos++, f, first) };
      } catch (e) {
        if (e instanceof WalCorruptError) throw e;
        throw new WalCorruptError(file, f.offset, errorMessage(e), { cause: e });
      }
    }
  }

  private decode(seg: Segment, pos: number, f: Frame, first: boolean): WalRecord {
    const { type, data } = f.rec;
    const want = pos === 0 ? RecordType.Crc : pos === 1 ? RecordType.Metadata : pos === 2 ? (seg.seq === 0 ? RecordType.Snapshot : RecordType.State) : undefined;
    if (want !== undefined && type !== want) throw new Error(`record ${pos} of the segment is ${recordTypeName(type)}, want ${recordTypeName(want)}`);
    if (want === undefined && (type === RecordType.Crc || type === RecordType.Metadata)) {
      throw new Error(`${recordTypeName(type)} record outside the segment header`);
    }
    switch (type) {
      case RecordType.Crc:
        this.checkCrcRecord(seg, f.rec.crc, first);
        return { type: 'crc', crc: f.rec.crc };
      case RecordType.Metadata:
        this.checkMetadata(data);
        return { type: 'metadata', data: new Uint8Array(data) };
      case RecordType.Entry:
        return { type: 'entry', entry: decodeEntryPayload(data) };
      case RecordType.State:
        return { type: 'state', hardState: decodeStatePayload(data) };
      case RecordType.Snapshot:
        return { type: 'snapshot', snapshot: decodeSnapshotPayload(data) };
      default:
        return assertNever(type, 'record type');
    }
  }

  /** The first segment read starts the chain (at 0 if it is the log's first); the rest continue it. */
  private checkCrcRecord(seg: Segment, crc: number, first: boolean): void {
    if (first && seg.seq !== 0) {
      this.chain.value = crc;
      return;
    }
    if (crc !== this.chain.value) throw new Error(`crc record ${hex8(crc)} does not continue the chain (${hex8(this.chain.value)})`);
  }

  private checkMetadata(data: Buffer): void {
    if (this.metadata === undefined) this.metadata = new Uint8Array(data);
    else if (!data.equals(this.metadata)) throw new Error('metadata differs from that of the first segment read');
  }
}
