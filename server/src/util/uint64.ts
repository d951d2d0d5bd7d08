import Long from 'long';
import { CairnError } from './errors.js';

/** A 64-bit integer as protobufjs decodes it: a plain number or a Long-like object. */
export type Int64Like = number | { low: number; high: number; unsigned: boolean; toString(radix?: number): string };

export class IntegerRangeError extends CairnError {}

const TWO_32 = 4294967296;

/**
 * Converts a decoded 64-bit integer to a number, refusing values above 2^53-1 (and below
 * zero for unsigned fields) instead of silently losing precision.
 */
export function toSafeNumber(v: Int64Like | null | undefined, field: string): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new IntegerRangeError(`${field}: ${v} is not a safe integer`);
    return v;
  }
  const high = v.unsigned ? v.high >>> 0 : v.high;
  const n = high * TWO_32 + (v.low >>> 0);
  if (!Number.isSafeInteger(n)) throw new IntegerRangeError(`${field}: ${v.toString()} exceeds 2^53-1`);
  return n;
}

/**
 * A decoded signed 64-bit integer as a number, clamped to ±(2^53-1) rather than refused: for
 * revisions, counts and limits a client sends, "larger than any real one" means the same as the
 * exact value (a future revision, no limit).
 */
export function clampToSafeNumber(v: Int64Like | null | undefined): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : Number(BigInt.asIntN(64, toUint64(v)));
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
}

/** Converts a decoded unsigned 64-bit integer to a bigint, exactly. */
export function toUint64(v: Int64Like | null | undefined): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(v);
  return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
}

/** A bigint as the unsigned Long protobufjs writes for a uint64 field. */
export function toLong(v: bigint): Long {
  if (v < 0n || v > 0xffffffffffffffffn) throw new IntegerRangeError(`${v} is not an unsigned 64-bit integer`);
  return longOf(v, true);
}

/**
 * The 64 low bits of a bigint as a Long (two's complement when signed), built from its two
 * 32-bit halves: on the write path of every request and response, where going through a
 * decimal string costs more than the rest of the conversion.
 */
export function longOf(v: bigint, unsigned: boolean): Long {
  const bits = BigInt.asUintN(64, v);
  return Long.fromBits(Number(bits & 0xffffffffn) | 0, Number(bits >> 32n) | 0, unsigned);
}

/** Formats a number or bigint as etcd formats ids and indexes in file names: 16 hex digits. */
export function hex16(v: number | bigint): string {
  return v.toString(16).padStart(16, '0');
}

/** Formats a 32-bit value (a CRC) as 8 hex digits. */
export function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}
