import {
  BboltCycleError,
  BboltElementError,
  BboltKeyOrderError,
  BboltPageTypeError,
  type BboltLocation,
} from './errors.js';
import { ELEMENT_BYTES, PAGE_HEADER_BYTES, PageFlag } from './layout.js';
import { hexPreview } from './tree-builder.js';

/** Reads validated pages (bounds, header id, truncation): the reader's job. */
export interface PageAccess {
  readonly file: string;
  readonly pageSize: number;
  /** The whole page with its overflow pages. */
  page(pgid: number): Buffer;
}

/** Where a tree starts: a page, or (for an inline bucket) a leaf page embedded in a value. */
export type TreeRoot =
  | { readonly kind: 'page'; readonly pgid: number }
  | { readonly kind: 'inline'; readonly page: Buffer; readonly offset: number };

/** One leaf element. Buffers are views into the page they came from. */
export interface LeafPair {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly flags: number;
  /** The file offset of the value (for messages about what it holds). */
  readonly valueAt: number;
  /** The page it sits in (undefined in an inline bucket). */
  readonly pgid: number | undefined;
}

interface Frame {
  readonly buf: Buffer;
  readonly pgid: number | undefined;
  /** The file offset of buf[0]. */
  readonly base: number;
  readonly branch: boolean;
  readonly count: number;
  next: number;
}

/**
 * Yields a tree's leaf elements in order, reading one page per level at a time (depth-first,
 * with an explicit stack). Every page is checked as it is entered: its type, that its elements
 * lie inside it, and that its keys increase; across pages the keys must keep increasing.
 * `visited` collects the ids of the pages walked (with their overflow pages); reaching one
 * already in it is a cycle (or a page shared by two parents) and throws.
 */
export function* walkTree(access: PageAccess, root: TreeRoot, visited: Set<number>): Generator<LeafPair> {
  const stack: Frame[] = [root.kind === 'page' ? enterPage(access, root.pgid, visited) : frameOf(access, root.page, undefined, root.offset)];
  let prev: LeafPair | undefined;
  for (;;) {
    const top = stack[stack.length - 1];
    if (top === undefined) return;
    if (top.next >= top.count) {
      stack.pop();
      continue;
    }
    const i = top.next++;
    const at = PAGE_HEADER_BYTES + i * ELEMENT_BYTES;
    if (top.branch) {
      const child = top.buf.readBigUInt64LE(at + 8);
      stack.push(enterPage(access, child > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(child), visited));
      continue;
    }
    const pair = leafPair(top, at);
    if (prev !== undefined && Buffer.compare(prev.key, pair.key) >= 0) {
      throw new BboltKeyOrderError(
        where(access, top, top.base + at),
        `key ${hexPreview(pair.key)} is not after ${hexPreview(prev.key)} (the last key of page ${prev.pgid ?? 'inline'})`,
      );
    }
    prev = pair;
    yield pair;
  }
}

function enterPage(access: PageAccess, pgid: number, visited: Set<number>): Frame {
  const buf = access.page(pgid);
  const pages = buf.byteLength / access.pageSize;
  for (let p = pgid; p < pgid + pages; p++) {
    if (visited.has(p)) {
      throw new BboltCycleError({ file: access.file, pgid, offset: pgid * access.pageSize }, `page ${p} reached twice (a cycle or a shared page)`);
    }
    visited.add(p);
  }
  return frameOf(access, buf, pgid, pgid * access.pageSize);
}

/** Checks a page's type, element bounds and key order; returns its walk frame. */
function frameOf(access: PageAccess, buf: Buffer, pgid: number | undefined, base: number): Frame {
  const loc = (offset: number): BboltLocation => ({ file: access.file, pgid, offset: base + offset });
  if (buf.byteLength < PAGE_HEADER_BYTES) throw new BboltElementError(loc(0), `page of ${buf.byteLength} bytes has no room for its header`);
  const flags = buf.readUInt16LE(8);
  if (flags !== PageFlag.branch && flags !== PageFlag.leaf) {
    throw new BboltPageTypeError(loc(8), `page flags 0x${flags.toString(16)}, want a branch (0x1) or leaf (0x2) page`);
  }
  const branch = flags === PageFlag.branch;
  const count = buf.readUInt16LE(10);
  if (PAGE_HEADER_BYTES + count * ELEMENT_BYTES > buf.byteLength) {
    throw new BboltElementError(loc(10), `${count} elements do not fit in a page of ${buf.byteLength} bytes`);
  }
  if (branch && count === 0) throw new BboltElementError(loc(10), 'branch page with no elements');
  let prev: Buffer | undefined;
  for (let i = 0; i < count; i++) {
    const at = PAGE_HEADER_BYTES + i * ELEMENT_BYTES;
    const start = at + buf.readUInt32LE(branch ? at : at + 4);
    const ksize = buf.readUInt32LE(branch ? at + 4 : at + 8);
    const vsize = branch ? 0 : buf.readUInt32LE(at + 12);
    if (start + ksize + vsize > buf.byteLength) {
      throw new BboltElementError(loc(at), `element ${i} (key ${ksize} bytes, value ${vsize} bytes at +${start}) runs past the page's ${buf.byteLength} bytes`);
    }
    const key = buf.subarray(start, start + ksize);
    if (prev !== undefined && Buffer.compare(prev, key) >= 0) {
      throw new BboltKeyOrderError(loc(start), `element ${i}: key ${hexPreview(key)} is not after ${hexPreview(prev)} within the page`);
    }
    prev = key;
  }
  return { buf, pgid, base, branch, count, next: 0 };
}

function leafPair(f: Frame, at: number): LeafPair {
  const start = at + f.buf.readUInt32LE(at + 4);
  const kend = start + f.buf.readUInt32LE(at + 8);
  const vend = kend + f.buf.readUInt32LE(at + 12);
  return {
    key: f.buf.subarray(start, kend),
    value: f.buf.subarray(kend, vend),
    flags: f.buf.readUInt32LE(at),
    valueAt: f.base + kend,
    pgid: f.pgid,
  };
}

function where(access: PageAccess, f: Frame, offset: number): BboltLocation {
  return { file: access.file, pgid: f.pgid, offset };
}
