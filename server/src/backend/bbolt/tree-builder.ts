import { BboltInputError } from './errors.js';
import { ELEMENT_BYTES, MAX_KEY_BYTES, MAX_VALUE_BYTES, PAGE_HEADER_BYTES, PageFlag, pagesFor } from './layout.js';
import type { PageSink } from './page-sink.js';

/** An element waiting for its page: a leaf pair (value set) or a branch pointer (child set). */
interface Pending {
  readonly key: Buffer;
  readonly value: Buffer | undefined;
  readonly child: number;
  readonly flags: number;
}

/** The page being filled at one level of the tree; level 0 holds leaves. */
interface Level {
  elems: Pending[];
  /** Page bytes so far: header, element headers, keys (and values for leaves). */
  bytes: number;
}

/**
 * Builds one B+tree bottom-up from pairs that arrive in key order. Each level keeps only the
 * page it is filling: when the next element would not fit, that page is written (it gets the
 * next page id) and its first key with its id goes up one level. Memory is a page per level
 * plus the largest single value, whatever the number of keys.
 *
 * Pages are filled as full as they go (bbolt reads any fill; full pages make the smallest file).
 * An element larger than a page sits alone in a leaf page with overflow pages; it waits for the
 * next element before it is written, so memory holds at most one such value.
 */
export class TreeBuilder {
  private readonly levels: Level[] = [];
  private lastKey: Buffer | undefined;
  private finished = false;
  private added = 0;

  constructor(
    private readonly sink: PageSink,
    /** For error messages: which tree this is. */
    private readonly what: string,
  ) {}

  /** Adds a leaf pair; keys must be non-empty and strictly increasing. Copies key and value. */
  add(key: Uint8Array, value: Uint8Array, flags = 0): void {
    if (this.finished) throw new BboltInputError(`${this.what}: add after finish`);
    if (key.byteLength === 0) throw new BboltInputError(`${this.what}: empty key`);
    if (key.byteLength > MAX_KEY_BYTES) throw new BboltInputError(`${this.what}: key of ${key.byteLength} bytes exceeds bbolt's ${MAX_KEY_BYTES}`);
    if (value.byteLength > MAX_VALUE_BYTES) throw new BboltInputError(`${this.what}: value of ${value.byteLength} bytes exceeds bbolt's ${MAX_VALUE_BYTES}`);
    if (this.lastKey !== undefined && Buffer.compare(this.lastKey, key) >= 0) {
      throw new BboltInputError(`${this.what}: key ${hexPreview(key)} is not after ${hexPreview(this.lastKey)}`);
    }
    const k = Buffer.from(key);
    this.lastKey = k;
    this.added++;
    this.push(0, { key: k, value: Buffer.from(value), child: 0, flags }, k.byteLength + value.byteLength);
  }

  /** Pairs added so far. */
  get count(): number {
    return this.added;
  }

  /** Writes what is pending at every level; returns the root page id. */
  finish(): number {
    if (this.finished) throw new BboltInputError(`${this.what}: finish twice`);
    this.finished = true;
    for (let level = 0; ; level++) {
      const lv = this.level(level);
      if (level === this.levels.length - 1) {
        // The top level: its pending page is the root, unless it would be a branch with a single
        // child, in which case that child is the root.
        const only = lv.elems[0];
        if (level > 0 && lv.elems.length === 1 && only !== undefined) return only.child;
        return this.writePage(level, lv);
      }
      if (lv.elems.length > 0) this.flush(level);
    }
  }

  private level(n: number): Level {
    let lv = this.levels[n];
    if (lv === undefined) {
      lv = { elems: [], bytes: PAGE_HEADER_BYTES };
      this.levels[n] = lv;
    }
    return lv;
  }

  private push(level: number, elem: Pending, dataBytes: number): void {
    const lv = this.level(level);
    const size = ELEMENT_BYTES + dataBytes;
    // A branch page keeps at least two children even when its keys overflow the page (as
    // bbolt's own splits do); otherwise huge keys would stack single-child pages without end.
    const minElems = level === 0 ? 1 : 2;
    if (lv.elems.length >= minElems && lv.bytes + size > this.sink.pageSize) this.flush(level);
    lv.elems.push(elem);
    lv.bytes += size;
  }

  /** Writes the level's page and posts its first key and id to the level above. */
  private flush(level: number): void {
    const lv = this.level(level);
    const first = lv.elems[0];
    if (first === undefined) return;
    const id = this.writePage(level, lv);
    lv.elems = [];
    lv.bytes = PAGE_HEADER_BYTES;
    this.push(level + 1, { key: first.key, value: undefined, child: id, flags: 0 }, first.key.byteLength);
  }

  private writePage(level: number, lv: Level): number {
    const page = Buffer.alloc(pagesFor(lv.bytes, this.sink.pageSize) * this.sink.pageSize);
    page.writeUInt16LE(level === 0 ? PageFlag.leaf : PageFlag.branch, 8);
    page.writeUInt16LE(lv.elems.length, 10);
    let data = PAGE_HEADER_BYTES + lv.elems.length * ELEMENT_BYTES;
    lv.elems.forEach((e, i) => {
      const at = PAGE_HEADER_BYTES + i * ELEMENT_BYTES;
      if (level === 0) {
        const v = e.value ?? EMPTY;
        page.writeUInt32LE(e.flags, at);
        page.writeUInt32LE(data - at, at + 4);
        page.writeUInt32LE(e.key.byteLength, at + 8);
        page.writeUInt32LE(v.byteLength, at + 12);
        data += e.key.copy(page, data);
        data += v.copy(page, data);
      } else {
        page.writeUInt32LE(data - at, at);
        page.writeUInt32LE(e.key.byteLength, at + 4);
        page.writeBigUInt64LE(BigInt(e.child), at + 8);
        data += e.key.copy(page, data);
      }
    });
    return this.sink.append(page);
  }
}

const EMPTY = Buffer.alloc(0);

/** The first bytes of a key in hex, for messages. */
export function hexPreview(key: Uint8Array): string {
  const hex = Buffer.from(key.subarray(0, 32)).toString('hex');
  return key.byteLength > 32 ? `${hex}… (${key.byteLength} bytes)` : hex;
}
