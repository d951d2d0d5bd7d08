import { closeSync, fstatSync, ftruncateSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EMPTY_HARD_STATE, type Entry, type HardState, type Index, encodeHardState, index, isEmptyHardState, mustSync, term } from '../raft/index.js';
import { failpoint, failpointOn, fsyncDir, tracer } from '../util/index.js';
import { DirLock } from './dir-lock.js';
import { WalExistsError, WalInvalidSaveError, WalSnapshotNotFoundError, WalUnusableError } from './errors.js';
import { FrameWriter } from './frame-writer.js';
import { encodeSnapshotPayload } from './record-codec.js';
import { RecordType } from './record-type.js';
import { replay } from './replay.js';
import { type Segment, hasSegments, listSegments, segmentHolding, segmentName } from './segment-name.js';
import { createSegment, removeTempFiles, truncateTail, writeFully } from './segment-file.js';
import { SegmentPipeline } from './segment-pipeline.js';
import type { WalContents, WalOptions, WalSnapshot } from './types.js';

const trace = tracer('wal');

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** TEST ONLY (`unsafeAckBeforeFsync`): how long saved frames stay in memory before they are written. */
const UNSAFE_WRITE_DELAY_MS = 200;

interface WalInit {
  dir: string;
  lock: DirLock;
  segmentBytes: number;
  metadata: Uint8Array;
  segments: Segment[];
  fd: number;
  tail: number;
  crc: number;
  lastIndex: number;
  hardState: HardState;
  repaired?: TornTail;
}

/** A torn tail that open truncated: where, and what was wrong with the frame there. */
export interface TornTail {
  file: string;
  offset: number;
  reason: string;
}

/**
 * The write-ahead log: segments of frames in etcd's format, appended and fsynced by `save`.
 *
 * All file I/O is synchronous. Measured here at one entry per fsync, async fs calls (a thread
 * pool round trip for the write and again for the fdatasync) reached about half the rate of
 * writeSync+fdatasyncSync; the cost is that the event loop waits for the fsync, so the caller
 * sends its messages before it saves (raft allows that for the leader). Because every method
 * runs to completion before its promise resolves, calls are serialized in the order made.
 *
 * A failed write or fsync leaves the file in an unknown state (after a failed fsync the page
 * cache may no longer hold what was written), so the WAL then refuses all further use.
 */
export class Wal {
  private readonly dir: string;
  private readonly lock: DirLock;
  private readonly segmentBytes: number;
  private readonly metadata: Uint8Array;
  private readonly segments: Segment[];
  private readonly writer: FrameWriter;
  private readonly pipeline: SegmentPipeline;
  private fd: number;
  private tail: number;
  private last: number;
  private state: HardState;
  private unusable: Error | undefined;
  /** Whether a write since the last fsync was not synced (close must sync it). */
  private unsynced = false;
  /** TEST ONLY (`unsafeAckBeforeFsync`): frames reported saved but still only in memory. */
  private late: { offset: number; data: Uint8Array }[] = [];
  private lateTimer: NodeJS.Timeout | undefined;
  /** The torn tail open truncated, if any, for the caller to log. */
  readonly repairedTail: TornTail | undefined;

  private constructor(init: WalInit) {
    this.repairedTail = init.repaired;
    this.dir = init.dir;
    this.lock = init.lock;
    this.segmentBytes = init.segmentBytes;
    this.metadata = init.metadata;
    this.segments = init.segments;
    this.fd = init.fd;
    this.tail = init.tail;
    this.last = init.lastIndex;
    this.state = init.hardState;
    this.writer = new FrameWriter(init.crc);
    this.pipeline = new SegmentPipeline(init.dir, init.segmentBytes);
  }

  /** Whether `dir` holds WAL segments. */
  static exists(dir: string): boolean {
    return hasSegments(dir);
  }

  /** Creates a new WAL in `dir` (made if missing): one segment with crc, metadata and snapshot {0,0}. */
  static async create(dir: string, metadata: Uint8Array, opts: WalOptions = {}): Promise<Wal> {
    const segmentBytes = segmentBytesOf(opts);
    mkdirSync(dir, { recursive: true });
    fsyncDir(dirname(dir));
    const lock = DirLock.acquire(dir);
    try {
      removeTempFiles(dir);
      if (hasSegments(dir)) throw new WalExistsError(`${dir} already holds a wal`);
      const w = new FrameWriter(0);
      w.appendCrc();
      w.append(RecordType.Metadata, metadata);
      w.append(RecordType.Snapshot, encodeSnapshotPayload({ index: index(0), term: term(0) }));
      const name = segmentName(0, 0);
      const fd = createSegment(dir, name, segmentBytes, w.bytes());
      trace('created %s', join(dir, name));
      return new Wal({
        dir, lock, segmentBytes, metadata: new Uint8Array(metadata), segments: [{ seq: 0, index: 0, name }],
        fd, tail: w.length, crc: w.crc, lastIndex: 0, hardState: EMPTY_HARD_STATE,
      });
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /**
   * Opens the WAL at snapshot `snap`: replays the segments from the one holding snap.index,
   * truncates a torn tail of the last segment, and leaves the log ready for appending.
   */
  static async open(dir: string, snap: WalSnapshot, opts: WalOptions = {}): Promise<{ wal: Wal } & WalContents> {
    const segmentBytes = segmentBytesOf(opts);
    const lock = DirLock.acquire(dir);
    let fd: number | undefined;
    try {
      removeTempFiles(dir);
      const all = listSegments(dir);
      const start = segmentHolding(all, snap.index);
      if (start < 0) throw new WalSnapshotNotFoundError(`no segment in ${dir} holds index ${snap.index} (released or never written)`);
      const r = replay(dir, all.slice(start), snap);
      const { file, end } = r.end;
      fd = openSync(file, 'r+');
      const init: WalInit = {
        dir, lock, segmentBytes, metadata: r.metadata, segments: all, fd, tail: end.offset,
        crc: r.crc, lastIndex: r.lastIndex, hardState: r.hardState,
      };
      if (end.kind === 'torn') {
        trace('truncating torn tail of %s at %d: %s', file, end.offset, end.reason);
        truncateTail(fd, end.offset, segmentBytes);
        init.repaired = { file, offset: end.offset, reason: end.reason };
      } else if (fstatSync(fd).size < segmentBytes) {
        ftruncateSync(fd, segmentBytes); // room to append; no fsync: losing it loses nothing
      }
      const wal = new Wal(init);
      return { wal, metadata: r.metadata, hardState: r.hardState, entries: r.entries };
    } catch (e) {
      if (fd !== undefined) closeSync(fd);
      lock.release();
      throw e;
    }
  }

  /** Index of the last entry (or later snapshot marker) in the log. */
  get lastIndex(): Index {
    return index(this.last);
  }

  /** The last hard state saved. */
  get hardState(): HardState {
    return this.state;
  }

  /** Names of the live segments, oldest first. */
  get segmentNames(): string[] {
    return this.segments.map((s) => s.name);
  }

  /** Byte offset in the last segment where the next frame goes. */
  get tailOffset(): number {
    return this.tail;
  }

  /**
   * Appends `entries` then `hardState` (unless empty) in one write; fsyncs once if raft's
   * mustSync says so. Cuts a new segment afterwards when the tail has passed segmentBytes.
   */
  async save(hardState: HardState, entries: Entry[]): Promise<void> {
    this.checkUsable();
    const hsEmpty = isEmptyHardState(hardState);
    if (entries.length === 0 && hsEmpty) return;
    this.checkEntries(entries);
    const sync = mustSync(this.state, hardState, entries.length);
    const w = this.writer;
    this.guard(() => {
      w.reset();
      for (const e of entries) w.appendEntry(e);
      if (!hsEmpty) w.append(RecordType.State, encodeHardState(hardState));
      this.write(w.bytes(), sync);
    });
    const lastEntry = entries[entries.length - 1];
    if (lastEntry !== undefined) this.last = lastEntry.index;
    if (!hsEmpty) this.state = hardState;
    if (this.tail >= this.segmentBytes) this.guard(() => this.cut());
  }

  /** Appends a snapshot marker and fsyncs it. */
  async saveSnapshot(snap: WalSnapshot): Promise<void> {
    this.checkUsable();
    const w = this.writer;
    this.guard(() => {
      w.reset();
      w.append(RecordType.Snapshot, encodeSnapshotPayload(snap));
      this.write(w.bytes(), true);
    });
    this.last = Math.max(this.last, snap.index);
    if (this.tail >= this.segmentBytes) this.guard(() => this.cut());
  }

  /**
   * Releases the segments wholly before `index` (segment k is released iff a later segment's
   * first index is <= index, so the segment holding `index` and the last segment always stay)
   * and deletes released ones, oldest first, while more than `keep` segments remain: etcd's
   * --max-wals (0 keeps every segment; undefined deletes every released one).
   */
  async releaseTo(index: number, keep?: number): Promise<void> {
    this.checkUsable();
    const released = segmentHolding(this.segments, index);
    const doomed = keep === undefined ? released : keep === 0 ? 0 : Math.min(released, this.segments.length - keep);
    if (doomed <= 0) return;
    const gone = this.segments.splice(0, doomed);
    for (const s of gone) unlinkSync(join(this.dir, s.name));
    fsyncDir(this.dir);
    trace('deleted %d released segments up to index %d', gone.length, index);
  }

  /**
   * Fsyncs the tail if a save did not (it may still be only in the page cache), waits for a
   * segment being prepared, and unlocks: nothing of ours writes in the dir once close resolves.
   */
  async close(): Promise<void> {
    if (this.unusable instanceof ClosedMarker) return;
    try {
      if (this.unusable === undefined) this.writeLate();
      if (this.unusable === undefined && this.unsynced) fsyncSync(this.fd);
    } finally {
      this.unusable = new ClosedMarker(`wal ${this.dir} is closed`);
      closeSync(this.fd);
      await this.pipeline.close().finally(() => this.lock.release());
    }
  }

  /** Whether a zero-filled segment is prepared for the next cut (for tests and tracing). */
  get nextSegmentReady(): boolean {
    return this.pipeline.isReady;
  }

  private write(data: Uint8Array, sync: boolean): void {
    failpoint('walBeforeWrite');
    if (failpointOn('unsafeAckBeforeFsync')) return this.holdUnsafely(data);
    if (this.late.length > 0) this.writeLate();
    writeFully(this.fd, data, this.tail);
    this.tail += data.length;
    if (this.tail >= this.segmentBytes / 2) this.pipeline.prepare();
    if (!sync) {
      this.unsynced = true;
      return;
    }
    failpoint('walBeforeFsync');
    fdatasyncSync(this.fd);
    this.unsynced = false;
    failpoint('walAfterFsync');
  }

  /**
   * UNSAFE, TEST ONLY (`unsafeAckBeforeFsync`): keeps the frames in memory and returns as if they
   * were durable; they are written and fsynced about UNSAFE_WRITE_DELAY_MS later, so a kill -9
   * before that loses them (skipping only the fsync would not: the page cache survives kill -9).
   */
  private holdUnsafely(data: Uint8Array): void {
    // A copy: `data` is a view of the frame writer's buffer, reused by the next save (and a
    // Buffer's slice() is a view too, not a copy).
    this.late.push({ offset: this.tail, data: Uint8Array.prototype.slice.call(data) });
    this.tail += data.length;
    if (this.tail >= this.segmentBytes / 2) this.pipeline.prepare();
    this.lateTimer ??= setTimeout(() => {
      this.lateTimer = undefined;
      if (this.unusable !== undefined) return;
      try {
        this.guard(() => this.writeLate());
      } catch (e) {
        trace('late write failed: %s', e instanceof Error ? e.message : String(e));
      }
    }, UNSAFE_WRITE_DELAY_MS);
    this.lateTimer.unref();
  }

  /** Writes and fsyncs the frames holdUnsafely kept back (nothing to do on the normal path). */
  private writeLate(): void {
    if (this.late.length === 0) return;
    for (const f of this.late.splice(0)) writeFully(this.fd, f.data, f.offset);
    fdatasyncSync(this.fd);
    this.unsynced = false;
  }

  /** Ends the current segment at its last frame and starts the next one. */
  private cut(): void {
    failpoint('walBeforeCut');
    this.writeLate();
    ftruncateSync(this.fd, this.tail);
    fsyncSync(this.fd);
    this.unsynced = false;
    const prev = this.segments[this.segments.length - 1];
    const seq = (prev?.seq ?? -1) + 1;
    const index = this.last + 1;
    const w = this.writer;
    w.reset();
    w.appendCrc();
    w.append(RecordType.Metadata, this.metadata);
    w.append(RecordType.State, encodeHardState(this.state));
    const name = segmentName(seq, index);
    const fd = createSegment(this.dir, name, this.segmentBytes, w.bytes(), this.pipeline.take());
    closeSync(this.fd);
    this.fd = fd;
    this.tail = w.length;
    this.segments.push({ seq, index, name });
    trace('cut to %s', name);
  }

  private checkEntries(entries: Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index < 1 || first.index > this.last + 1) {
      throw new WalInvalidSaveError(`entry ${first.index} would leave a gap: the wal ends at index ${this.last}`);
    }
    for (let i = 1; i < entries.length; i++) {
      if (entries[i]?.index !== first.index + i) throw new WalInvalidSaveError(`entries are not consecutive at position ${i}`);
    }
  }

  private checkUsable(): void {
    if (this.unusable !== undefined) throw new WalUnusableError(this.unusable.message, { cause: this.unusable });
  }

  /** Runs an I/O step; if it throws, the WAL becomes unusable (its disk state is unknown). */
  private guard(step: () => void): void {
    try {
      step();
    } catch (e) {
      this.unusable = e instanceof Error ? e : new Error(String(e));
      throw e;
    }
  }
}

class ClosedMarker extends Error {}

function segmentBytesOf(opts: WalOptions): number {
  const n = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`segmentBytes must be a positive integer, got ${n}`);
  return n;
}
