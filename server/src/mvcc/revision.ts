import { InvalidRevisionError, RevisionKeyError } from './errors.js';

/**
 * A point in the store's history. `main` is the store revision of the atomic change (a txn or
 * a single request), `sub` numbers the changes within it (0, 1, ...). Both are integers in
 * [0, 2^53-1]; in practice main fits a V8 small integer for billions of writes.
 */
export interface Revision {
  readonly main: number;
  readonly sub: number;
}

/** Length of a backend key for a live revision: 8-byte main, '_', 8-byte sub. */
export const REVISION_KEY_BYTES = 17;
/** Length of a backend key for a tombstone: the revision key plus the mark 't'. */
export const TOMBSTONE_KEY_BYTES = 18;

const SEPARATOR = 0x5f; // '_'
const TOMBSTONE_MARK = 0x74; // 't'
const TWO_32 = 2 ** 32;

function checkPart(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidRevisionError(`revision ${what} ${n} is not an integer in [0, 2^53-1]`);
}

/** A validated revision. */
export function revision(main: number, sub = 0): Revision {
  checkPart(main, 'main');
  checkPart(sub, 'sub');
  return { main, sub };
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export function compareRevision(a: Revision, b: Revision): number {
  return a.main !== b.main ? a.main - b.main : a.sub - b.sub;
}

function writeUint64(out: Uint8Array, offset: number, n: number): void {
  const hi = Math.floor(n / TWO_32);
  const lo = n >>> 0;
  out[offset] = hi >>> 24;
  out[offset + 1] = (hi >>> 16) & 0xff;
  out[offset + 2] = (hi >>> 8) & 0xff;
  out[offset + 3] = hi & 0xff;
  out[offset + 4] = lo >>> 24;
  out[offset + 5] = (lo >>> 16) & 0xff;
  out[offset + 6] = (lo >>> 8) & 0xff;
  out[offset + 7] = lo & 0xff;
}

function readUint64(view: DataView, offset: number, what: string): number {
  const hi = view.getUint32(offset);
  if (hi >= 2 ** 21) throw new RevisionKeyError(`revision key ${what} exceeds 2^53-1`);
  return hi * TWO_32 + view.getUint32(offset + 4);
}

/**
 * The backend key of a revision: big-endian main, '_', big-endian sub, and 't' for a
 * tombstone. Big-endian makes the byte order of keys the order of revisions, so a backend
 * range scan walks history in order.
 */
export function encodeRevisionKey(rev: Revision, tombstone = false): Uint8Array {
  checkPart(rev.main, 'main');
  checkPart(rev.sub, 'sub');
  const out = new Uint8Array(tombstone ? TOMBSTONE_KEY_BYTES : REVISION_KEY_BYTES);
  writeUint64(out, 0, rev.main);
  out[8] = SEPARATOR;
  writeUint64(out, 9, rev.sub);
  if (tombstone) out[17] = TOMBSTONE_MARK;
  return out;
}

/** The inverse of encodeRevisionKey; refuses anything it would not have produced. */
export function decodeRevisionKey(bytes: Uint8Array): { rev: Revision; tombstone: boolean } {
  const len = bytes.byteLength;
  if (len !== REVISION_KEY_BYTES && len !== TOMBSTONE_KEY_BYTES) {
    throw new RevisionKeyError(`revision key has ${len} bytes, want ${REVISION_KEY_BYTES} or ${TOMBSTONE_KEY_BYTES}`);
  }
  if (bytes[8] !== SEPARATOR) throw new RevisionKeyError(`revision key byte 8 is 0x${(bytes[8] ?? 0).toString(16)}, want '_' (0x5f)`);
  const tombstone = len === TOMBSTONE_KEY_BYTES;
  if (tombstone && bytes[17] !== TOMBSTONE_MARK) {
    throw new RevisionKeyError(`revision key mark is 0x${(bytes[17] ?? 0).toString(16)}, want 't' (0x74)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, len);
  return { rev: { main: readUint64(view, 0, 'main'), sub: readUint64(view, 9, 'sub') }, tombstone };
}

/**
 * A set of revisions compared by value: what compaction keeps (etcd's `available` map). The
 * store checks each backend revision key against it while deleting old revisions.
 *
 * It holds one entry per live key after a compaction, so it is built for memory: a map from
 * main to sub (small integers, no objects per entry), and a string set only for a second sub of
 * the same main (several keys written by one txn).
 */
export class RevisionSet {
  private readonly byMain = new Map<number, number>();
  private readonly extra = new Set<string>();

  private static id(rev: Revision): string {
    return `${rev.main}_${rev.sub}`;
  }

  add(rev: Revision): void {
    const sub = this.byMain.get(rev.main);
    if (sub === rev.sub) return;
    const id = RevisionSet.id(rev);
    if (this.extra.has(id)) return;
    if (sub === undefined) this.byMain.set(rev.main, rev.sub);
    else this.extra.add(id);
  }

  has(rev: Revision): boolean {
    return this.byMain.get(rev.main) === rev.sub || (this.extra.size > 0 && this.extra.has(RevisionSet.id(rev)));
  }

  delete(rev: Revision): boolean {
    if (this.byMain.get(rev.main) === rev.sub) return this.byMain.delete(rev.main);
    return this.extra.delete(RevisionSet.id(rev));
  }

  get size(): number {
    return this.byMain.size + this.extra.size;
  }

  /** The revisions in ascending order. */
  sorted(): Revision[] {
    const out: Revision[] = [];
    for (const [main, sub] of this.byMain) out.push({ main, sub });
    for (const id of this.extra) {
      const [main, sub] = id.split('_').map(Number);
      out.push({ main: main ?? 0, sub: sub ?? 0 });
    }
    return out.sort(compareRevision);
  }
}
