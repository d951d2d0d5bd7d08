import assert from 'node:assert/strict';
import { test } from 'node:test';
import Long from 'long';
import { IntegerRangeError, clampToSafeNumber, hex16, hex8, longOf, toLong, toSafeNumber, toUint64 } from '../../../server/src/util/index.js';

test('toSafeNumber accepts numbers and Longs up to 2^53-1 and refuses beyond', () => {
  assert.equal(toSafeNumber(42, 'x'), 42);
  assert.equal(toSafeNumber(Long.fromNumber(2 ** 40, true), 'x'), 2 ** 40);
  assert.equal(toSafeNumber(Long.fromString('9007199254740991', true), 'x'), Number.MAX_SAFE_INTEGER);
  assert.equal(toSafeNumber(null, 'x'), 0);
  assert.throws(() => toSafeNumber(Long.fromString('9007199254740992', true), 'term'), IntegerRangeError);
  assert.throws(() => toSafeNumber(Long.fromString('18446744073709551615', true), 'term'), /term/);
});

test('toUint64 and toLong round-trip every unsigned 64-bit value exactly', () => {
  for (const v of [0n, 1n, 0xffffffffn, 0x100000000n, 0xfedcba9876543210n, 0xffffffffffffffffn]) {
    assert.equal(toUint64(toLong(v)), v);
  }
  assert.throws(() => toLong(-1n), IntegerRangeError);
  assert.throws(() => toLong(1n << 64n), IntegerRangeError);
});

test('hex16 formats as etcd names files', () => {
  assert.equal(hex16(0), '0000000000000000');
  assert.equal(hex16(0xbf1e6), '00000000000bf1e6');
  assert.equal(hex16(0xfedcba9876543210n), 'fedcba9876543210');
});

test('hex8 formats a CRC as 8 hex digits', () => {
  assert.equal(hex8(0), '00000000');
  assert.equal(hex8(0xe3069283), 'e3069283');
});

test('clampToSafeNumber reads signed 64-bit values, clamping beyond ±(2^53-1)', () => {
  assert.equal(clampToSafeNumber(undefined), 0);
  assert.equal(clampToSafeNumber(42), 42);
  assert.equal(clampToSafeNumber(Long.fromNumber(-7)), -7);
  assert.equal(clampToSafeNumber(Long.fromString('9223372036854775807')), Number.MAX_SAFE_INTEGER);
  assert.equal(clampToSafeNumber(Long.fromString('-9223372036854775808')), Number.MIN_SAFE_INTEGER);
  assert.equal(clampToSafeNumber(Long.fromString(String(2 ** 40), false)), 2 ** 40);
});

test('longOf builds the same Long as the decimal route, signed and unsigned, at every edge', () => {
  const values = [0n, 1n, 255n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 7n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, -1n, -(2n ** 63n), 0x8e9e05c52164694dn];
  for (const v of values) {
    const u = longOf(v, true);
    assert.equal(u.toString(), BigInt.asUintN(64, v).toString(), `unsigned ${v}`);
    assert.equal(u.unsigned, true);
    const s = longOf(v, false);
    assert.equal(s.toString(), BigInt.asIntN(64, v).toString(), `signed ${v}`);
    assert.ok(s.equals(Long.fromString(BigInt.asIntN(64, v).toString(), false)));
    assert.equal(toUint64(u), BigInt.asUintN(64, v), 'and back');
  }
});
