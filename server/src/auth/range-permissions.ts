import { assertNever } from '../util/index.js';
import { PermType, type Permission } from './auth-codec.js';

/**
 * A half-open byte interval in etcd's "affine" order, where the empty byte string stands for
 * +infinity: an empty end means "to the end of the key space". (An empty begin is +infinity
 * too, so an interval starting at the empty key is empty; etcd behaves the same.)
 */
export interface KeyInterval {
  readonly begin: Uint8Array;
  readonly end: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** Compares in the affine order: empty is greater than every non-empty string. */
export function affineCompare(a: Uint8Array, b: Uint8Array): number {
  if (a.length === 0) return b.length === 0 ? 0 : 1;
  if (b.length === 0) return -1;
  return Buffer.compare(a, b);
}

/** The interval of one key: [key, key + "\0"). */
export function pointInterval(key: Uint8Array): KeyInterval {
  const end = new Uint8Array(key.length + 1);
  end.set(key);
  return { begin: key, end };
}

/**
 * Whether two intervals overlap, with the comparisons etcd's interval tree makes (which also
 * decide the odd cases of empty-begin intervals the same way).
 */
export function overlaps(a: KeyInterval, b: KeyInterval): boolean {
  if (affineCompare(a.begin, b.begin) < 0 && affineCompare(a.end, b.begin) <= 0) return false;
  return affineCompare(a.begin, b.end) < 0;
}

/** The interval a stored permission grants: a single key, from-key ("\0"), or [key, end). */
export function permissionInterval(p: Permission): KeyInterval {
  if (p.rangeEnd.length === 0) return pointInterval(p.key);
  const fromKey = p.rangeEnd.length === 1 && p.rangeEnd[0] === 0;
  return { begin: p.key, end: fromKey ? EMPTY : p.rangeEnd };
}

/**
 * The keys one user may read and write: the union of the permissions of all their roles.
 * Built once per user and auth revision (see AuthStore), then asked per request.
 */
export class RangePermissions {
  private readonly read: KeyInterval[] = [];
  private readonly write: KeyInterval[] = [];

  constructor(permissions: Iterable<Permission>) {
    for (const p of permissions) {
      const ivl = permissionInterval(p);
      switch (p.permType) {
        case PermType.READ:
          this.read.push(ivl);
          break;
        case PermType.WRITE:
          this.write.push(ivl);
          break;
        case PermType.READWRITE:
          this.read.push(ivl);
          this.write.push(ivl);
          break;
        default:
          assertNever(p.permType, 'permission type');
      }
    }
    // Stable sort by begin: the in-order walk of etcd's tree (ties keep insertion order).
    this.read.sort((a, b) => affineCompare(a.begin, b.begin));
    this.write.sort((a, b) => affineCompare(a.begin, b.begin));
  }

  /**
   * Whether the request's key or range is allowed for `kind`: an empty rangeEnd asks for one
   * key (some granted interval holds it); otherwise the whole range [key, rangeEnd) must be
   * covered by granted intervals without a gap, with rangeEnd "\0" meaning "to the end".
   */
  permits(kind: 'read' | 'write', key: Uint8Array, rangeEnd: Uint8Array): boolean {
    const granted = kind === 'read' ? this.read : this.write;
    if (rangeEnd.length === 0) {
      const pt = pointInterval(key);
      return granted.some((g) => overlaps(pt, g));
    }
    const fromKey = rangeEnd.length === 1 && rangeEnd[0] === 0;
    return covers(granted, { begin: key, end: fromKey ? EMPTY : rangeEnd });
  }
}

/** Whether the sorted intervals that overlap `q` join without a gap and span all of it. */
function covers(sorted: readonly KeyInterval[], q: KeyInterval): boolean {
  let minBegin: Uint8Array | undefined;
  let maxEnd: Uint8Array = EMPTY;
  for (const g of sorted) {
    if (!overlaps(q, g)) continue;
    if (minBegin === undefined) {
      minBegin = g.begin;
      maxEnd = g.end;
      continue;
    }
    if (affineCompare(maxEnd, g.begin) < 0) return false;
    if (affineCompare(g.end, maxEnd) > 0) maxEnd = g.end;
  }
  return minBegin !== undefined && affineCompare(maxEnd, q.end) >= 0 && affineCompare(minBegin, q.begin) <= 0;
}
