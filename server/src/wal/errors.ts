import { CairnError } from '../util/index.js';

/** The base of the WAL's errors. */
export class WalError extends CairnError {}

/**
 * The log is damaged somewhere other than a torn tail: the WAL refuses to open rather than
 * drop or skip anything. `file` and `offset` point at the frame (offset 0 for file-level damage).
 */
export class WalCorruptError extends WalError {
  readonly file: string;
  readonly offset: number;
  readonly reason: string;

  constructor(file: string, offset: number, reason: string, options?: { cause?: unknown }) {
    super(`wal corrupt: ${file} at offset ${offset}: ${reason}`, options);
    this.file = file;
    this.offset = offset;
    this.reason = reason;
  }
}

/** Another live process holds the WAL directory (or this process already has it open). */
export class WalLockedError extends WalError {
  readonly pid: number;

  constructor(dir: string, pid: number, detail: string) {
    super(`wal ${dir} is locked by pid ${pid}${detail === '' ? '' : ` (${detail})`}`);
    this.pid = pid;
  }
}

/** The snapshot asked for at open has no marker in the log (or its segment was released). */
export class WalSnapshotNotFoundError extends WalError {}

/** The log has a marker for the snapshot's index, but with another term. */
export class WalSnapshotMismatchError extends WalError {}

/** Create was called on a directory that already holds a WAL. */
export class WalExistsError extends WalError {}

/** The WAL was closed, or an earlier write failed and its state on disk is unknown. */
export class WalUnusableError extends WalError {}

/** A save that would make the log unreadable (entries not contiguous), refused before writing. */
export class WalInvalidSaveError extends WalError {}
