import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Index, Snapshot, Term } from '../raft/index.js';
import { errorMessage, failpoint, fsyncDir, tracer } from '../util/index.js';
import { InvalidSnapshotError, NoSnapshotError, SnapshotCorruptError, SnapshotterConfigError } from './errors.js';
import { decodeSnapFile, encodeSnapFile } from './snap-file.js';
import {
  type SnapName,
  formatSnapName,
  isTmpSnapName,
  newestFirst,
  parseSnapName,
  tmpSnapName,
} from './snap-name.js';

const trace = tracer('snap');

/** Read failures that say the process is short of resources, not that the file is damaged. */
const RESOURCE_ERRORS = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'EAGAIN', 'EINTR']);

/** Numbers tmp files process-wide, so two saves of the same snapshot never share one. */
let tmpSeq = 0;

export interface SnapshotterOptions {
  /** How many `.snap` files purge() keeps; 0 keeps all (etcd's --max-snapshots=0). Default 5. */
  maxSnapshots?: number;
  /**
   * Told about every damaged file a load sets aside (renamed to `*.broken`), so the caller can
   * log a warning that is not hidden behind CAIRN_TRACE.
   */
  onBroken?: (err: SnapshotCorruptError) => void;
}

/** A (term, index) pair the WAL vouches for: one of its snapshot records. */
export interface SnapshotCandidate {
  index: Index;
  term: Term;
}

/**
 * The raft snapshot files of one member, `member/snap/%016x-%016x.snap` (term, index).
 *
 * A save is atomic: the bytes go to a tmp file, which is fsynced and renamed into place, then
 * the directory is fsynced; a crash at any point leaves either no file under the final name or
 * the whole one. Loads go newest first and set aside (rename to `<name>.broken`) any file that
 * fails a check, falling back to the next older one; nothing damaged is ever deleted.
 * Names that are not ours (`db`, `*.snap.db`, `db-lock`, `*.broken`) are left alone.
 *
 * One Snapshotter per directory: construction deletes tmp files, which would include the tmp
 * file of a save still running in another instance on the same directory.
 */
export class Snapshotter {
  readonly dir: string;
  private readonly maxSnapshots: number;
  private readonly onBroken: ((err: SnapshotCorruptError) => void) | undefined;

  constructor(dir: string, opts: SnapshotterOptions = {}) {
    const max = opts.maxSnapshots ?? 5;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new SnapshotterConfigError(`maxSnapshots must be a whole number ≥ 0, got ${max}`);
    }
    this.dir = dir;
    this.maxSnapshots = max;
    this.onBroken = opts.onBroken;
    makeDirDurably(dir);
    this.removeTmpLeftovers();
  }

  /**
   * Writes `s` as the file for its (term, index), replacing one of that name. An empty snapshot
   * (index 0) is skipped, as etcd skips it: it records no state, and raft never restores from it.
   */
  async save(s: Snapshot): Promise<void> {
    const { term, index } = s.metadata;
    if (index === 0) return;
    if (!Number.isSafeInteger(term) || !Number.isSafeInteger(index) || term < 0 || index < 0) {
      throw new InvalidSnapshotError(`snapshot term ${term} / index ${index} must be safe integers ≥ 0`);
    }
    const name = formatSnapName(term, index);
    const tmp = path.join(this.dir, tmpSnapName(name, tmpSeq++));
    try {
      await writeDurably(tmp, encodeSnapFile(s));
      failpoint('snapBeforeRename');
      await rename(tmp, path.join(this.dir, name));
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    fsyncDir(this.dir);
    trace('saved %s (%d data bytes)', name, s.data.length);
  }

  /** The newest snapshot that passes every check. Throws NoSnapshotError when there is none. */
  async load(): Promise<Snapshot> {
    return this.loadFirstValid(this.snapNames());
  }

  /**
   * The newest valid snapshot whose (term, index) is among `candidates` (the WAL's snapshot
   * records), so that the state restored is one the WAL can continue from.
   */
  async loadNewestAvailable(candidates: readonly SnapshotCandidate[]): Promise<Snapshot> {
    const wanted = new Set(candidates.map((c) => `${c.term}/${c.index}`));
    return this.loadFirstValid(this.snapNames().filter((n) => wanted.has(`${n.term}/${n.index}`)));
  }

  /** Snapshot file names, newest first. */
  list(): string[] {
    return this.snapNames().map((n) => n.name);
  }

  /** Deletes all but the newest `maxSnapshots` snapshot files; returns the names removed. */
  async purge(): Promise<string[]> {
    if (this.maxSnapshots === 0) return [];
    const doomed = this.list().slice(this.maxSnapshots);
    for (const name of doomed) {
      await unlink(path.join(this.dir, name));
      trace('purged %s', name);
    }
    if (doomed.length > 0) fsyncDir(this.dir);
    return doomed;
  }

  private snapNames(): SnapName[] {
    const names: SnapName[] = [];
    for (const entry of readdirSync(this.dir)) {
      const parsed = parseSnapName(entry);
      if (parsed !== undefined) names.push(parsed);
      else if (entry.endsWith('.snap')) trace('ignoring %s: not a snapshot file name', entry);
    }
    return names.sort(newestFirst);
  }

  private async loadFirstValid(names: readonly SnapName[]): Promise<Snapshot> {
    const broken: string[] = [];
    for (const n of names) {
      const file = path.join(this.dir, n.name);
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (code === 'ENOENT') continue; // gone since listing (a concurrent purge): not damage
        if (RESOURCE_ERRORS.has(code)) throw err;
        await this.setAside(new SnapshotCorruptError(file, `unreadable: ${errorMessage(err)}`, { cause: err }), broken);
        continue;
      }
      try {
        const snap = decodeSnapFile(bytes, file, n);
        trace('loaded %s', n.name);
        return snap;
      } catch (err) {
        if (!(err instanceof SnapshotCorruptError)) throw err;
        await this.setAside(err, broken);
      }
    }
    throw new NoSnapshotError(this.dir, broken);
  }

  /** Renames a damaged file out of the way, keeping its bytes for the operator to inspect. */
  private async setAside(err: SnapshotCorruptError, broken: string[]): Promise<void> {
    trace('warning: %s', err.message);
    this.onBroken?.(err);
    const target = freeBrokenName(err.file);
    try {
      await rename(err.file, target);
      fsyncDir(this.dir);
      broken.push(path.basename(err.file));
      trace('renamed %s to %s', err.file, path.basename(target));
    } catch (renameErr) {
      // Still fall back to an older file: the next load will meet this one again.
      trace('warning: could not rename %s: %s', err.file, errorMessage(renameErr));
    }
  }

  /** A save interrupted by a crash leaves a tmp file that never became a snapshot: drop it. */
  private removeTmpLeftovers(): void {
    for (const entry of readdirSync(this.dir)) {
      if (!isTmpSnapName(entry)) continue;
      rmSync(path.join(this.dir, entry), { force: true });
      trace('removed leftover %s', entry);
    }
  }
}

/** mkdir -p, then fsyncs the parent of every directory it created so they survive a crash. */
function makeDirDurably(dir: string): void {
  const first = mkdirSync(dir, { recursive: true });
  if (first === undefined) return;
  const top = path.resolve(first);
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    fsyncDir(path.dirname(d));
    if (d === top || d === path.dirname(d)) return;
  }
}

async function writeDurably(file: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(file, 'wx');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** `<file>.broken`, or `<file>.broken.N` when an earlier incident already took that name. */
function freeBrokenName(file: string): string {
  let candidate = `${file}.broken`;
  for (let n = 1; existsSync(candidate); n++) candidate = `${file}.broken.${n}`;
  return candidate;
}
