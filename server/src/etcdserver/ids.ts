import { createHash } from 'node:crypto';

/**
 * A member's id as etcd derives it: the first 8 bytes (big-endian) of SHA-1 over its peer URLs
 * (sorted, joined without separator) followed by the cluster token. Two members started with
 * the same peer URLs and token agree on the id, which is how a restarted or re-added member is
 * recognised.
 */
export function memberIdFor(peerUrls: readonly string[], token: string): bigint {
  const h = createHash('sha1').update([...peerUrls].sort().join('')).update(token).digest();
  return h.readBigUInt64BE(0);
}

/** A cluster's id as etcd derives it: SHA-1 over the members' ids (sorted, 8 bytes big-endian each). */
export function clusterIdFor(memberIds: readonly bigint[]): bigint {
  const ids = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const b = Buffer.alloc(8 * ids.length);
  ids.forEach((id, i) => b.writeBigUInt64BE(id, 8 * i));
  return createHash('sha1').update(b).digest().readBigUInt64BE(0);
}

const MASK48 = (1n << 48n) - 1n;
const MASK40 = (1n << 40n) - 1n;

/**
 * Request (and lease) ids as etcd's idutil makes them: the member id's low 16 bits on top, so
 * members never collide, then a 48-bit counter seeded from the clock (ms, 40 bits, shifted 8),
 * so a restarted member does not reuse the ids of its previous life.
 */
export class IdGenerator {
  private readonly prefix: bigint;
  private suffix: bigint;

  constructor(memberId: bigint, nowMs: number) {
    this.prefix = (memberId & 0xffffn) << 48n;
    this.suffix = (BigInt(Math.floor(nowMs)) & MASK40) << 8n;
  }

  next(): bigint {
    this.suffix = (this.suffix + 1n) & MASK48;
    return this.prefix | this.suffix;
  }
}

/** An id as etcd prints it: lowercase hex without leading zeros. */
export function idString(id: bigint): string {
  return id.toString(16);
}
