import Long from 'long';
import type { Header } from '../etcdserver/server-api.js';
import type { DeleteRangeResponse, KeyValue, PutResponse, RangeResponse, ResponseOp, TxnResponse } from '../mvcc/index.js';
import { etcdserverpb as pb, type mvccpb } from '../pb/index.js';
import { clampToSafeNumber, longOf, toUint64 } from '../util/index.js';

/*
 * Wire messages ↔ the plain requests and responses of mvcc and the member. Decoded messages
 * carry proto3 defaults for absent fields; responses leave zero fields out (null), because
 * etcd's Go marshalling leaves them out and so the bytes match etcd's.
 */

type Int64 = number | Long | null | undefined;

/** An int64 field as a number, clamped to the safe range (see clampToSafeNumber). */
export function num(v: Int64): number {
  return clampToSafeNumber(v);
}

/** A signed int64 field (lease ids) as a bigint, exactly. */
export function signed(v: Int64): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(v);
  return BigInt.asIntN(64, toUint64(v));
}

/** An unsigned uint64 field (member ids) as a bigint, exactly. */
export function unsigned(v: Int64): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(v);
  return toUint64(v);
}

/** A number for an int64 response field; null (left out) when 0. */
export function i64(n: number): number | null {
  return n === 0 ? null : n;
}

/** A bigint for an int64 response field (two's complement); null when 0. */
export function s64(n: bigint): Long | null {
  return n === 0n ? null : longOf(n, false);
}

/** A bigint for a uint64 response field; null when 0. */
export function u64(n: bigint): Long | null {
  return n === 0n ? null : longOf(n, true);
}

function bytesOrNull(b: Uint8Array | undefined): Uint8Array | null {
  return b === undefined || b.byteLength === 0 ? null : b;
}

/** A full response header (cluster, member, revision, raft term). */
export function headerToPb(h: Header): pb.IResponseHeader {
  return { clusterId: u64(h.clusterId), memberId: u64(h.memberId), revision: i64(h.revision), raftTerm: i64(h.raftTerm) };
}

export function kvToPb(kv: KeyValue): mvccpb.IKeyValue {
  return {
    key: bytesOrNull(kv.key),
    createRevision: i64(kv.createRevision),
    modRevision: i64(kv.modRevision),
    version: i64(kv.version),
    value: bytesOrNull(kv.value),
    lease: s64(kv.lease),
  };
}

// ---- requests ---------------------------------------------------------------------------

// The wire → plain request decoders are apply's (the same ones read the entries raft carries).
export { deleteFromPb as deleteRangeFromPb, putFromPb, rangeFromPb, txnFromPb } from '../apply/index.js';

// ---- responses ----------------------------------------------------------------------------

/**
 * The header of a response: a full one (from the member) at the top level; inside a txn only
 * the revision mvcc gave, as etcd's applier builds the inner responses with a bare header that
 * the v3rpc layer never fills (a nested txn's header is empty).
 */
type HeaderFor = (revision: number) => pb.IResponseHeader;

const innerHeader: HeaderFor = (revision) => ({ revision: i64(revision) });

export function rangeResponseToPb(r: RangeResponse, header: pb.IResponseHeader): pb.IRangeResponse {
  return { header, kvs: r.kvs.map(kvToPb), more: r.more || null, count: i64(r.count) };
}

export function putResponseToPb(r: PutResponse, header: pb.IResponseHeader): pb.IPutResponse {
  return { header, prevKv: r.prevKv === undefined ? null : kvToPb(r.prevKv) };
}

export function deleteRangeResponseToPb(r: DeleteRangeResponse, header: pb.IResponseHeader): pb.IDeleteRangeResponse {
  return { header, deleted: i64(r.deleted), prevKvs: r.prevKvs.map(kvToPb) };
}

export function txnResponseToPb(r: TxnResponse, header: pb.IResponseHeader): pb.ITxnResponse {
  return { header, succeeded: r.succeeded || null, responses: r.responses.map(responseOpToPb) };
}

function responseOpToPb(op: ResponseOp): pb.IResponseOp {
  if (op.range) return { responseRange: rangeResponseToPb(op.range, innerHeader(op.range.header.revision)) };
  if (op.put) return { responsePut: putResponseToPb(op.put, innerHeader(op.put.header.revision)) };
  if (op.deleteRange) return { responseDeleteRange: deleteRangeResponseToPb(op.deleteRange, innerHeader(op.deleteRange.header.revision)) };
  if (op.txn) return { responseTxn: txnResponseToPb(op.txn, innerHeader(op.txn.header.revision)) };
  return {};
}

