import { CairnError } from '../../util/index.js';

/** Where in a bbolt file something is wrong. `pgid` is undefined when no page applies. */
export interface BboltLocation {
  readonly file: string;
  readonly pgid?: number | undefined;
  readonly offset: number;
}

/**
 * A bbolt file that cannot be trusted. Each subclass is one kind of damage; the message names
 * the file, the page id and the byte offset, so an operator can look at the bytes.
 */
export class BboltCorruptError extends CairnError {
  readonly file: string;
  readonly pgid: number | undefined;
  readonly offset: number;

  constructor(where: BboltLocation, reason: string, options?: { cause?: unknown }) {
    const page = where.pgid === undefined ? '' : ` page ${where.pgid}`;
    super(`bbolt ${where.file}:${page} offset ${where.offset}: ${reason}`, options);
    this.file = where.file;
    this.pgid = where.pgid;
    this.offset = where.offset;
  }
}

/** A meta page with a bad magic, version, page size or checksum (raised only when both are bad). */
export class BboltMetaError extends BboltCorruptError {}

/** The file ends before the pages the meta page says it has (or before a page it reads). */
export class BboltTruncatedError extends BboltCorruptError {}

/** A page id at or beyond the meta's high-water mark, or a page running past it. */
export class BboltPageBoundsError extends BboltCorruptError {}

/** A page whose header id is not the id it was read at. */
export class BboltPageIdError extends BboltCorruptError {}

/** A page whose flags are not what the tree needs there (e.g. not a branch or leaf). */
export class BboltPageTypeError extends BboltCorruptError {}

/** An element whose key or value runs outside its page, or a malformed bucket header. */
export class BboltElementError extends BboltCorruptError {}

/** A page reached twice in one walk: a cycle or two parents sharing a child. */
export class BboltCycleError extends BboltCorruptError {}

/** Keys not in strictly increasing byte order, within a page or across neighbouring pages. */
export class BboltKeyOrderError extends BboltCorruptError {}

/** A page below the high-water mark that no tree reaches and the freelist does not list. */
export class BboltUnreachablePageError extends BboltCorruptError {}

/** A snapshot file whose 32-byte SHA-256 trailer does not match the bytes before it. */
export class BboltSnapshotHashError extends BboltCorruptError {
  /** The digest the trailer holds and the one computed over the db bytes. */
  readonly expected: Buffer;
  readonly got: Buffer;

  constructor(where: BboltLocation, expected: Buffer, got: Buffer) {
    super(where, `SHA-256 trailer ${expected.toString('hex')} does not match the ${where.offset} db bytes before it (sha256 ${got.toString('hex')})`);
    this.expected = expected;
    this.got = got;
  }
}

/** Writer input that bbolt cannot hold: unordered or duplicate names or keys, empty keys. */
export class BboltInputError extends CairnError {}

/** A reader used after `close()`. */
export class BboltClosedError extends CairnError {}

/** A bucket name the file does not hold. */
export class BboltUnknownBucketError extends CairnError {}
