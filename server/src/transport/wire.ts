import type { IncomingHttpHeaders } from 'node:http2';
import { PeerUrlError } from './errors.js';

/**
 * Cairn's peer wire protocol, shared by the sending and the receiving side. Our own (mixed
 * clusters with etcd are not a goal), in etcd's spirit: a long-lived stream per peer for raft
 * messages, a separate request per snapshot, the cluster and both member ids in headers.
 */

export const STREAM_PATH = '/raft/stream';
export const SNAPSHOT_PATH = '/raft/snapshot';
export const PROBE_PATH = '/raft/probe';
export const LEASE_PATH = '/leases';
export const LEASE_TTL_PATH = '/leases/internal';
export const MEMBERS_PATH = '/members';
export const PROMOTE_PATH = '/members/promote';

export const HEADER_CLUSTER_ID = 'x-cairn-cluster-id';
export const HEADER_FROM = 'x-cairn-from';
export const HEADER_TO = 'x-cairn-to';

/** Bytes of the SHA-256 trailer after a snapshot's database. */
export const DIGEST_BYTES = 32;
/** Bytes of a frame's big-endian length prefix. */
export const FRAME_HEADER_BYTES = 4;

/** A member or cluster id as etcd prints it (types.ID): lowercase hex, no padding. */
export function formatId(id: bigint): string {
  return id.toString(16);
}

/** Parses a hex id header; undefined when missing or malformed. */
export function parseId(v: IncomingHttpHeaders[string]): bigint | undefined {
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{1,16}$/.test(v)) return undefined;
  return BigInt(`0x${v}`);
}

/** The headers a sender puts on every stream and snapshot request. */
export function peerHeaders(clusterId: bigint, from: bigint, to: bigint): Record<string, string> {
  return { [HEADER_CLUSTER_ID]: formatId(clusterId), [HEADER_FROM]: formatId(from), [HEADER_TO]: formatId(to) };
}

/** Frames payloads (4-byte big-endian length, then the bytes) into one buffer: one write per batch. */
export function encodeFrames(payloads: readonly Uint8Array[]): Buffer {
  let size = 0;
  for (const p of payloads) size += FRAME_HEADER_BYTES + p.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of payloads) {
    out.writeUInt32BE(p.length, at);
    out.set(p, at + FRAME_HEADER_BYTES);
    at += FRAME_HEADER_BYTES + p.length;
  }
  return out;
}

/** A peer URL's host and port; only plain http:// is served (TLS comes later). */
export function parsePeerUrl(raw: string): { host: string; port: number; https: boolean } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new PeerUrlError(`invalid peer URL ${JSON.stringify(raw)}`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PeerUrlError(`peer URL ${raw}: only http:// and https:// are supported`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const https = url.protocol === 'https:';
  return { host, port: url.port === '' ? (https ? 443 : 80) : Number(url.port), https };
}
