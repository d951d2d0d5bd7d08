import { leasepb } from '../pb/index.js';
import { errorMessage, longOf, toSafeNumber, toUint64 } from '../util/index.js';
import { LeaseCorruptError } from './errors.js';

/** A lease as the backend's `lease` bucket holds it (etcd's leasepb.Lease). */
export interface LeaseRecord {
  readonly id: bigint;
  readonly ttl: number;
  readonly remainingTtl: number;
}

/** The bucket key of a lease: its id as 8 bytes big-endian, the int64 read as unsigned (etcd's). */
export function leaseKey(id: bigint): Buffer {
  const key = Buffer.alloc(8);
  key.writeBigUInt64BE(BigInt.asUintN(64, id));
  return key;
}

/** Encodes a record as etcd does: zero fields are left out (proto3 defaults). */
export function encodeLease(r: LeaseRecord): Uint8Array {
  const m: leasepb.ILease = {};
  if (r.id !== 0n) m.ID = longOf(r.id, false);
  if (r.ttl !== 0) m.TTL = r.ttl;
  if (r.remainingTtl !== 0) m.RemainingTTL = r.remainingTtl;
  return leasepb.Lease.encode(m).finish();
}

export function decodeLease(bytes: Uint8Array): LeaseRecord {
  try {
    const m = leasepb.Lease.decode(bytes);
    return {
      id: BigInt.asIntN(64, toUint64(m.ID)),
      ttl: toSafeNumber(m.TTL, 'Lease.TTL'),
      remainingTtl: toSafeNumber(m.RemainingTTL, 'Lease.RemainingTTL'),
    };
  } catch (err) {
    throw new LeaseCorruptError(`bad lease record: ${errorMessage(err)}`, { cause: err });
  }
}
