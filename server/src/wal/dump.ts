import { EntryType, type Entry } from '../raft/index.js';
import { assertNever, hex16, hex8 } from '../util/index.js';
import { WalCorruptError } from './errors.js';
import { LogReader } from './log-reader.js';
import { decodeMetadataIds } from './record-codec.js';
import { scanSegments } from './segment-name.js';
import type { RecordAt, WalRecord } from './types.js';

const PREVIEW_CHARS = 60;

/**
 * Lists every record of every segment in order, like etcd's WAL dump tool: a line per segment,
 * then per record its offset, type, term, index, size and a decoded summary. It takes no lock
 * and repairs nothing. Damage ends the listing with a line `DAMAGE <file> at offset <n>: why`;
 * a torn tail (which open would truncate) with `TORN <file> at offset <n>: why`.
 */
export async function* dumpWal(dir: string): AsyncGenerator<string, void> {
  const { segments, gap } = scanSegments(dir);
  if (segments.length === 0 && gap === undefined) {
    yield `no wal segments in ${dir}`;
    return;
  }
  const reader = new LogReader(dir, segments);
  let file = '';
  let count = 0;
  try {
    for (const at of reader.records()) {
      if (at.file !== file) {
        file = at.file;
        yield `segment ${file}`;
        yield `  ${'offset'.padStart(10)} ${'type'.padEnd(8)} ${'term'.padStart(8)} ${'index'.padStart(10)} ${'size'.padStart(8)}  detail`;
      }
      count++;
      yield formatRecord(at);
    }
  } catch (e) {
    if (!(e instanceof WalCorruptError)) throw e;
    yield `DAMAGE ${e.file} at offset ${e.offset}: ${e.reason}`;
    return;
  }
  const end = reader.end;
  if (end?.end.kind === 'torn') yield `TORN ${end.file} at offset ${end.end.offset}: ${end.end.reason} (open truncates the log here)`;
  yield `${count} records in ${segments.length} segments`;
  if (gap !== undefined) yield `DAMAGE ${gap.file} at offset 0: ${gap.reason}`;
}

function formatRecord(at: RecordAt): string {
  const { term, index, detail } = describe(at.record);
  return `  ${String(at.offset).padStart(10)} ${at.record.type.padEnd(8)} ${term.padStart(8)} ${index.padStart(10)} ${String(at.size).padStart(8)}  ${detail}`;
}

function describe(r: WalRecord): { term: string; index: string; detail: string } {
  switch (r.type) {
    case 'crc':
      return { term: '-', index: '-', detail: `crc=${hex8(r.crc)}` };
    case 'metadata': {
      const ids = decodeMetadataIds(r.data);
      const detail = ids === undefined ? `bytes=${preview(r.data)}` : `node=${hex16(ids.node)} cluster=${hex16(ids.cluster)}`;
      return { term: '-', index: '-', detail };
    }
    case 'entry':
      return { term: String(r.entry.term), index: String(r.entry.index), detail: describeEntry(r.entry) };
    case 'state': {
      const hs = r.hardState;
      return { term: String(hs.term), index: '-', detail: `term=${hs.term} vote=${hex16(hs.vote)} commit=${hs.commit}` };
    }
    case 'snapshot': {
      const s = r.snapshot;
      const cs = s.confState;
      const conf = cs === undefined ? '' : ` voters=[${cs.voters.map((v) => hex16(v)).join(',')}] learners=[${cs.learners.map((v) => hex16(v)).join(',')}]`;
      return { term: String(s.term), index: String(s.index), detail: `snapshot${conf}` };
    }
    default:
      return assertNever(r, 'record');
  }
}

function describeEntry(e: Entry): string {
  const kind = e.type === EntryType.Normal ? 'Normal' : e.type === EntryType.ConfChange ? 'ConfChange' : 'ConfChangeV2';
  return `${kind} len=${e.data.length} ${preview(e.data)}`;
}

/** Printable ASCII as a quoted string, anything else as hex; cut to about 60 characters. */
function preview(data: Uint8Array): string {
  if (data.length === 0) return '(empty)';
  if (data.every((b) => b >= 0x20 && b < 0x7f)) {
    const s = Buffer.from(data).toString('latin1');
    return s.length <= PREVIEW_CHARS ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, PREVIEW_CHARS))}…`;
  }
  const hex = Buffer.from(data.subarray(0, PREVIEW_CHARS / 2)).toString('hex');
  return data.length > PREVIEW_CHARS / 2 ? `0x${hex}…` : `0x${hex}`;
}
