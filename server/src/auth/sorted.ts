import type { Permission } from './auth-codec.js';

/** Go's string order: by UTF-8 bytes (JavaScript's default sort compares UTF-16 units). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Go's sort.SearchStrings: the first index whose name is >= `name` (list assumed sorted). */
export function searchNames(list: readonly string[], name: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareNames(list[mid] as string, name) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether the sorted list holds `name`, found by bisection as etcd finds it. */
export function hasName(list: readonly string[], name: string): boolean {
  const i = searchNames(list, name);
  return i < list.length && list[i] === name;
}

/**
 * A role's permissions after granting `perm`, merged as etcd 3.4 merges: bisect to the first
 * permission whose key is >= perm.key; if that one has the same key and range end, only its
 * type changes; otherwise `perm` is added and the list re-sorted by key alone (stably: ties keep
 * their order). Note the bisection looks at one candidate only, so when a key already has two
 * permissions with different range ends, granting the second again adds a duplicate — etcd does
 * the same, and the records must stay byte-equal.
 */
export function rolePermissionsWith(perms: readonly Permission[], perm: Permission): Permission[] {
  let lo = 0;
  let hi = perms.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Buffer.compare((perms[mid] as Permission).key, perm.key) < 0) lo = mid + 1;
    else hi = mid;
  }
  const at = perms[lo];
  if (at !== undefined && at.key.equals(perm.key) && at.rangeEnd.equals(perm.rangeEnd)) {
    return perms.map((p, i) => (i === lo ? { ...p, permType: perm.permType } : p));
  }
  return [...perms, perm].sort((a, b) => Buffer.compare(a.key, b.key));
}
