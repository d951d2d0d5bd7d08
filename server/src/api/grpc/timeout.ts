import { Status } from './status.js';
import { GrpcError } from './errors.js';

/** Milliseconds per unit of `grpc-timeout` (Hours, Minutes, Seconds, milli, micro, nano). */
const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/**
 * Parses a `grpc-timeout` value (at most 8 digits, then a unit) into milliseconds. A malformed
 * value fails the call with INTERNAL, as grpc-go's transport does.
 */
export function parseGrpcTimeout(value: string): number {
  const unit = UNIT_MS[value.charAt(value.length - 1)];
  const digits = value.slice(0, -1);
  if (unit === undefined || digits.length === 0 || digits.length > 8 || !/^\d+$/.test(digits)) {
    throw new GrpcError(Status.INTERNAL, `transport: malformed grpc-timeout: ${JSON.stringify(value)}`);
  }
  return Number(digits) * unit;
}
