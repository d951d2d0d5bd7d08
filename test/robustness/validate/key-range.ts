// Which keys a watch covers. etcd compares keys as bytes, so compare the UTF-8 encodings:
// JavaScript's string order (UTF-16 code units) differs for characters outside the BMP.

/** Compares two keys in etcd's byte order. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  // Below U+D800, UTF-16 code unit order is code point order, which is UTF-8 byte order.
  if (!HIGH.test(a) && !HIGH.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const HIGH = /[\uD800-\uFFFF]/;

/** A predicate for the keys of a watch request (rangeEnd '' = one key, '\0' = from key on). */
export function keyMatcher(key: string, rangeEnd: string): (k: string) => boolean {
  if (rangeEnd === '') return (k) => k === key;
  if (rangeEnd === '\0') return (k) => compareKeys(k, key) >= 0;
  return (k) => compareKeys(k, key) >= 0 && compareKeys(k, rangeEnd) < 0;
}
