import { RevisionNotFoundError, RevisionOrderError } from './errors.js';
import { type Revision, type RevisionSet, compareRevision } from './revision.js';

/** A key as of some revision: its last modification, its creation, and its version. */
export interface KeyState {
  readonly modified: Revision;
  readonly created: Revision;
  /** Number of changes in the key's current life up to `modified` (1 after creation). */
  readonly version: number;
}

/** One life of a key, from creation to (if ended) its tombstone: for tests and debugging. */
export interface Generation {
  /** Number of revisions the generation ever had (compaction drops revisions, not this count). */
  readonly ver: number;
  readonly created: Revision;
  /** Revisions still held, in order; the last of an ended generation is its tombstone. */
  readonly revs: readonly Revision[];
}

// The general form is one flat number array: the mark GENERAL, then generations one after
// another, each [ver, createdMain, createdSub, count, main1, sub1, ..., mainN, subN]. Every
// generation but the last has ended with a tombstone; the last is the current one (count 0
// right after a tombstone).
const GENERAL = -1;
const FIRST = 1;
const VER = 0;
const CMAIN = 1;
const CSUB = 2;
const COUNT = 3;
const HEADER = 4;
/** Below this length an array is copied at its exact size on append; above, it grows by push. */
const EXACT_COPY_LIMIT = 64;

/**
 * The history of one user key (etcd's keyIndex): its generations and their revisions.
 *
 * Memory is what matters here (one per key; a million keys is ordinary), so the object is three
 * fields, `main`/`sub` always the last revision written, and `flat` in one of three forms:
 * - undefined: the key was written once (one generation, version 1, created = modified);
 * - simple: the main revisions before the last one, of a key with one live generation whose
 *   revisions all have sub 0 (the last one excepted) — the common updated key, 8 bytes a
 *   version. Either [main1, ...] (nothing compacted: created = main1, version = count), or,
 *   after a compaction, [-2 - dropped, createdMain, main1, ...] (`dropped` versions compacted away);
 * - general (first element GENERAL): anything else, in the layout above, 16 bytes a version.
 * Reads of the first two forms are answered directly; other operations work on the general form
 * (built on the fly). Writes never shrink a form; compaction stores back the smallest one.
 */
export class KeyIndex {
  private main: number;
  private sub: number;
  private flat: number[] | undefined;

  /** A key index whose first event is a put at `rev`. */
  constructor(rev: Revision) {
    this.main = rev.main;
    this.sub = rev.sub;
    this.flat = undefined;
  }

  /** Appends a put to the current generation, starting it if empty. */
  put(rev: Revision): void {
    if (compareRevision(rev, { main: this.main, sub: this.sub }) <= 0) {
      throw new RevisionOrderError(`revision ${rev.main}.${rev.sub} is not after ${this.main}.${this.sub}`);
    }
    const f = this.flat;
    if (rev.sub === 0 && this.sub === 0 && (f === undefined || at(f, 0) !== GENERAL)) {
      this.flat = appended(f ?? [], this.main);
    } else {
      const d = this.expanded();
      const h = lastHeader(d);
      if (d[h + COUNT] === 0) {
        d[h + CMAIN] = rev.main;
        d[h + CSUB] = rev.sub;
      }
      d[h + VER] = at(d, h + VER) + 1;
      d[h + COUNT] = at(d, h + COUNT) + 1;
      this.flat = appended(d, rev.main, rev.sub);
    }
    this.main = rev.main;
    this.sub = rev.sub;
  }

  /** Ends the current generation with a tombstone at `rev` and starts an empty one. */
  tombstone(rev: Revision): void {
    const f = this.flat;
    if (f !== undefined && at(f, 0) === GENERAL && f[lastHeader(f) + COUNT] === 0) {
      throw new RevisionNotFoundError(`tombstone at ${rev.main}.${rev.sub} of a key that is already deleted`);
    }
    if (compareRevision(rev, { main: this.main, sub: this.sub }) <= 0) {
      throw new RevisionOrderError(`revision ${rev.main}.${rev.sub} is not after ${this.main}.${this.sub}`);
    }
    this.flat = this.expanded(); // a deleted key is never in a short form
    this.put(rev);
    this.flat = appended(this.expanded(), 0, 0, 0, 0);
  }

  /** The key as of `atRev`, or undefined if it did not exist then (or that history was compacted). */
  get(atRev: number): KeyState | undefined {
    const f = this.flat;
    if (f === undefined || at(f, 0) !== GENERAL) return this.getShort(f, atRev);
    const h = findGeneration(f, atRev);
    if (h < 0) return undefined;
    const count = at(f, h + COUNT);
    for (let i = count - 1; i >= 0; i--) {
      const p = h + HEADER + 2 * i;
      if (at(f, p) <= atRev) {
        return {
          modified: { main: at(f, p), sub: at(f, p + 1) },
          created: { main: at(f, h + CMAIN), sub: at(f, h + CSUB) },
          version: at(f, h + VER) - (count - 1 - i),
        };
      }
    }
    return undefined;
  }

  /**
   * Revisions with main ≥ `rev`, in order, for watchers catching up. At most one per main
   * revision: if a change wrote the key twice, only the later (higher sub) is visible.
   */
  since(rev: number): Revision[] {
    const out: Revision[] = [];
    const d = this.expanded();
    for (let h = FIRST; h < d.length; h = next(d, h)) {
      const end = next(d, h);
      for (let p = h + HEADER; p < end; p += 2) {
        const main = at(d, p);
        if (main < rev) continue;
        const r = { main, sub: at(d, p + 1) };
        if (out.length > 0 && out[out.length - 1]?.main === main) out[out.length - 1] = r;
        else out.push(r);
      }
    }
    return out;
  }

  /**
   * Drops history before `atRev`: in the first generation that was alive at `atRev` (or is
   * current), revisions before the greatest one ≤ `atRev` go, and that one stays and is added
   * to `available`; generations whose tombstone is ≤ `atRev` go entirely (their tombstones are
   * not added: the backend deletes them). Afterwards `isEmpty()` may hold.
   */
  compact(atRev: number, available: RevisionSet): void {
    const d = this.expanded();
    const { genStart, keepFrom } = plan(d, atRev, available);
    if (keepFrom <= 0 && genStart === FIRST) return; // nothing to drop
    const parts: number[] = [GENERAL];
    for (let h = genStart; h < d.length; h = next(d, h)) {
      const isLast = next(d, h) >= d.length;
      const from = h === genStart && keepFrom > 0 ? keepFrom : 0;
      const count = at(d, h + COUNT) - from;
      if (count === 0 && !isLast) continue; // an empty generation that is not the current one
      parts.push(at(d, h + VER), at(d, h + CMAIN), at(d, h + CSUB), count);
      for (let p = h + HEADER + 2 * from; p < next(d, h); p++) parts.push(at(d, p));
    }
    this.flat = shortForm(parts) ?? parts.slice(); // exact size: a pushed array keeps growth slack
  }

  /** What `compact(atRev)` would add to `available`, without changing anything (for HashKV). */
  keep(atRev: number, available: RevisionSet): void {
    plan(this.expanded(), atRev, available);
  }

  /** Nothing left but an empty current generation: the tree drops such a key. */
  isEmpty(): boolean {
    const f = this.flat;
    return f !== undefined && f.length === FIRST + HEADER && f[0] === GENERAL && f[FIRST + COUNT] === 0;
  }

  /** The generations, decoded (allocates: for tests, debugging and dumps). */
  generations(): Generation[] {
    const d = this.expanded();
    const gens: Generation[] = [];
    for (let h = FIRST; h < d.length; h = next(d, h)) {
      const revs: Revision[] = [];
      for (let p = h + HEADER; p < next(d, h); p += 2) revs.push({ main: at(d, p), sub: at(d, p + 1) });
      gens.push({ ver: at(d, h + VER), created: { main: at(d, h + CMAIN), sub: at(d, h + CSUB) }, revs });
    }
    return gens;
  }

  /** Which form the history is held in (for tests and debugging). */
  get form(): 'single' | 'simple' | 'general' {
    if (this.flat === undefined) return 'single';
    return at(this.flat, 0) === GENERAL ? 'general' : 'simple';
  }

  /** get() for the single and simple forms: one generation, all subs 0 but maybe the last. */
  private getShort(f: number[] | undefined, atRev: number): KeyState | undefined {
    const { start, dropped, created } = this.shortHeader(f);
    const n = (f?.length ?? 0) - start; // older revisions held
    if (atRev >= this.main) return { modified: { main: this.main, sub: this.sub }, created, version: dropped + n + 1 };
    for (let i = n - 1; i >= 0; i--) {
      const main = at(f as number[], start + i);
      if (main <= atRev) return { modified: { main, sub: 0 }, created, version: dropped + i + 1 };
    }
    return undefined;
  }

  /** Where the older mains of a short form start, how many versions were compacted away, and creation. */
  private shortHeader(f: number[] | undefined): { start: number; dropped: number; created: Revision } {
    if (f === undefined || f.length === 0) return { start: 0, dropped: 0, created: { main: this.main, sub: this.sub } };
    const first = at(f, 0);
    if (first < GENERAL) return { start: 2, dropped: -first - 2, created: { main: at(f, 1), sub: 0 } };
    return { start: 0, dropped: 0, created: { main: first, sub: 0 } };
  }

  /** The general form (built from a short form if needed; not stored until written). */
  private expanded(): number[] {
    const f = this.flat;
    if (f !== undefined && at(f, 0) === GENERAL) return f;
    const { start, dropped, created } = this.shortHeader(f);
    const older = (f?.length ?? 0) - start;
    const count = older + 1;
    const d = new Array<number>(FIRST + HEADER + 2 * count);
    d[0] = GENERAL;
    d[FIRST + VER] = dropped + count;
    d[FIRST + CMAIN] = created.main;
    d[FIRST + CSUB] = created.sub;
    d[FIRST + COUNT] = count;
    for (let i = 0; i < older; i++) {
      d[FIRST + HEADER + 2 * i] = at(f as number[], start + i);
      d[FIRST + HEADER + 2 * i + 1] = 0;
    }
    d[d.length - 2] = this.main;
    d[d.length - 1] = this.sub;
    return d;
  }
}

function at(d: readonly number[], i: number): number {
  return d[i] as number;
}

/** Offset of the generation after the one at `h`. */
function next(d: readonly number[], h: number): number {
  return h + HEADER + 2 * at(d, h + COUNT);
}

function lastHeader(d: readonly number[]): number {
  let h = FIRST;
  for (let n = next(d, h); n < d.length; n = next(d, n)) h = n;
  return h;
}

/** Main revision of the last revision of the (non-empty) generation at `h`. */
function lastMain(d: readonly number[], h: number): number {
  return at(d, next(d, h) - 2);
}

/**
 * The generation alive at `atRev`: walking back from the newest, skip empty ones; an ended
 * generation whose tombstone is ≤ atRev means the key was deleted then (-1); the first one
 * whose first held revision is ≤ atRev is it.
 */
function findGeneration(d: readonly number[], atRev: number): number {
  const heads: number[] = [];
  for (let h = FIRST; h < d.length; h = next(d, h)) heads.push(h);
  for (let g = heads.length - 1; g >= 0; g--) {
    const h = heads[g] as number;
    if (at(d, h + COUNT) === 0) continue;
    if (g !== heads.length - 1 && lastMain(d, h) <= atRev) return -1;
    if (at(d, h + HEADER) <= atRev) return h;
  }
  return -1;
}

/**
 * Finds the generation compaction keeps first (the first whose tombstone is after `atRev`, or
 * the current one) and, within it, the greatest revision ≤ `atRev`, which it adds to
 * `available`. Returns the generation's offset and the index of that revision (-1: none).
 */
function plan(d: readonly number[], atRev: number, available: RevisionSet): { genStart: number; keepFrom: number } {
  let h = FIRST;
  while (next(d, h) < d.length && lastMain(d, h) <= atRev) h = next(d, h);
  for (let i = at(d, h + COUNT) - 1; i >= 0; i--) {
    const p = h + HEADER + 2 * i;
    if (at(d, p) <= atRev) {
      available.add({ main: at(d, p), sub: at(d, p + 1) });
      return { genStart: h, keepFrom: i };
    }
  }
  return { genStart: h, keepFrom: -1 };
}

/**
 * The simple form of a compacted general array, if it has one: a single (current, non-empty)
 * generation created at sub 0 whose revisions, the last excepted, all have sub 0.
 */
function shortForm(d: readonly number[]): number[] | undefined {
  const count = at(d, FIRST + COUNT);
  if (count === 0 || next(d, FIRST) !== d.length || at(d, FIRST + CSUB) !== 0) return undefined;
  const out = new Array<number>(2 + count - 1);
  out[0] = -2 - (at(d, FIRST + VER) - count);
  out[1] = at(d, FIRST + CMAIN);
  for (let i = 0; i < count - 1; i++) {
    if (at(d, FIRST + HEADER + 2 * i + 1) !== 0) return undefined;
    out[2 + i] = at(d, FIRST + HEADER + 2 * i);
  }
  return out;
}

/** `d` with `xs` appended: an exact-size copy while small (no growth slack), a push when large. */
function appended(d: number[], ...xs: number[]): number[] {
  if (d.length + xs.length > EXACT_COPY_LIMIT) {
    d.push(...xs);
    return d;
  }
  const out = new Array<number>(d.length + xs.length);
  for (let i = 0; i < d.length; i++) out[i] = at(d, i);
  for (let i = 0; i < xs.length; i++) out[d.length + i] = xs[i] as number;
  return out;
}
