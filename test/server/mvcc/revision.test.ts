import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  InvalidRevisionError,
  RevisionKeyError,
  RevisionSet,
  compareRevision,
  decodeRevisionKey,
  encodeRevisionKey,
  revision,
} from '../../../server/src/mvcc/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const arbRevision = fc.tuple(fc.maxSafeNat(), fc.maxSafeNat()).map(([main, sub]) => ({ main, sub }));

describe('revision keys', () => {
  test('a live revision is 8-byte big-endian main, "_", 8-byte big-endian sub', () => {
    assert.equal(hex(encodeRevisionKey(revision(1, 0))), '0000000000000001' + '5f' + '0000000000000000');
    assert.equal(hex(encodeRevisionKey(revision(0x1234_5678_9a, 3))), '000000123456789a' + '5f' + '0000000000000003');
    assert.equal(hex(encodeRevisionKey(revision(2 ** 53 - 1, 2 ** 32))), '001fffffffffffff' + '5f' + '0000000100000000');
  });

  test('a tombstone appends "t" (18 bytes) and decodes with its mark', () => {
    const key = encodeRevisionKey(revision(7, 2), true);
    assert.equal(hex(key), '0000000000000007' + '5f' + '0000000000000002' + '74');
    assert.deepEqual(decodeRevisionKey(key), { rev: { main: 7, sub: 2 }, tombstone: true });
    assert.deepEqual(decodeRevisionKey(encodeRevisionKey(revision(7, 2))), { rev: { main: 7, sub: 2 }, tombstone: false });
  });

  test('decoding reads a key inside a larger buffer at its offset', () => {
    const big = new Uint8Array(40).fill(0xee);
    big.set(encodeRevisionKey(revision(300, 1)), 5);
    assert.deepEqual(decodeRevisionKey(big.subarray(5, 22)), { rev: { main: 300, sub: 1 }, tombstone: false });
  });

  test('round trip and byte order equal revision order (property)', () => {
    fc.assert(
      fc.property(arbRevision, arbRevision, fc.boolean(), (a, b, tomb) => {
        assert.deepEqual(decodeRevisionKey(encodeRevisionKey(a, tomb)), { rev: a, tombstone: tomb });
        const byBytes = Math.sign(Buffer.compare(encodeRevisionKey(a), encodeRevisionKey(b)));
        assert.equal(byBytes, Math.sign(compareRevision(a, b)));
      }),
      { numRuns: 2000 },
    );
  });

  test('a tombstone key sorts right after its live key and before the next sub', () => {
    const live = encodeRevisionKey(revision(9, 1));
    const tomb = encodeRevisionKey(revision(9, 1), true);
    const next = encodeRevisionKey(revision(9, 2));
    assert.equal(Buffer.compare(live, tomb), -1);
    assert.equal(Buffer.compare(tomb, next), -1);
  });

  test('refuses other lengths, a missing separator, an unknown mark and > 2^53-1', () => {
    const good = encodeRevisionKey(revision(1, 1));
    assert.throws(() => decodeRevisionKey(good.subarray(0, 16)), RevisionKeyError);
    assert.throws(() => decodeRevisionKey(new Uint8Array(19)), RevisionKeyError);
    assert.throws(() => decodeRevisionKey(new Uint8Array(0)), RevisionKeyError);
    const noSep = Uint8Array.from(good);
    noSep[8] = 0x2e;
    assert.throws(() => decodeRevisionKey(noSep), /byte 8 is 0x2e/);
    const badMark = Uint8Array.from([...good, 0x78]);
    assert.throws(() => decodeRevisionKey(badMark), /mark is 0x78/);
    const huge = Uint8Array.from(good);
    huge[1] = 0x20; // main = 2^53
    assert.throws(() => decodeRevisionKey(huge), /exceeds 2\^53-1/);
  });

  test('refuses revisions a key cannot carry', () => {
    assert.throws(() => revision(-1), InvalidRevisionError);
    assert.throws(() => revision(1.5), InvalidRevisionError);
    assert.throws(() => revision(2 ** 53), InvalidRevisionError);
    assert.throws(() => revision(1, -1), InvalidRevisionError);
    assert.throws(() => encodeRevisionKey({ main: Number.NaN, sub: 0 }), InvalidRevisionError);
  });
});

describe('RevisionSet', () => {
  test('compares revisions by value and lists them in order', () => {
    const s = new RevisionSet();
    s.add({ main: 5, sub: 1 });
    s.add({ main: 2, sub: 0 });
    s.add({ main: 5, sub: 1 });
    assert.equal(s.size, 2);
    assert.ok(s.has({ main: 5, sub: 1 }));
    assert.ok(!s.has({ main: 5, sub: 0 }));
    assert.ok(!s.has({ main: 51, sub: 0 }));
    assert.deepEqual(s.sorted(), [{ main: 2, sub: 0 }, { main: 5, sub: 1 }]);
    assert.ok(s.delete({ main: 2, sub: 0 }));
    assert.deepEqual(s.sorted(), [{ main: 5, sub: 1 }]);
  });

  test('several subs of one main, added and deleted in any order', () => {
    const s = new RevisionSet();
    const revs = [0, 3, 1, 2].map((sub) => ({ main: 9, sub }));
    for (const r of revs) s.add(r);
    s.add({ main: 9, sub: 3 });
    assert.equal(s.size, 4);
    assert.deepEqual(s.sorted(), [0, 1, 2, 3].map((sub) => ({ main: 9, sub })));
    assert.ok(s.delete({ main: 9, sub: 0 }));
    assert.ok(!s.delete({ main: 9, sub: 0 }));
    assert.ok(!s.has({ main: 9, sub: 0 }));
    assert.ok(s.has({ main: 9, sub: 3 }));
    s.add({ main: 9, sub: 2 }); // already there (in the overflow set): no duplicate
    s.add({ main: 9, sub: 0 });
    assert.equal(s.size, 4);
    assert.ok(s.delete({ main: 9, sub: 2 }));
    assert.deepEqual(s.sorted(), [0, 1, 3].map((sub) => ({ main: 9, sub })));
  });
});
