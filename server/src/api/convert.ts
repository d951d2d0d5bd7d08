import Long from 'long';
import type { Header } from '../etcdserver/server-api.js';
import type {
  Compare, DeleteRangeRequest, DeleteRangeResponse, KeyValue, PutRequest, PutResponse, RangeRequest, RangeResponse,
  RequestOp, ResponseOp, TxnRequest, TxnResponse,
} from '../mvcc/index.js';
import { etcdserverpb as pb, type mvccpb } from '../pb/index.js';

/*
 * Wire messages ↔ the plain requests and responses of mvcc and the member. Decoded messages
 * carry proto3 defaults for absent fields; responses leave zero fields out (null), because
 * etcd's Go marshalling leaves them out and so the bytes match etcd's.
 */

type Int64 = number | Long | null | undefined;

const EMPTY = new Uint8Array(0);

/**
 * An int64 field as a number. Values beyond 2^53 are clamped rather than refused: every field
 * read this way is a revision, count or limit, for which "larger than any real one" means the
 * same as the exact value (a future revision, no limit).
 */
export function num(v: Int64): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (v.isZero()) return 0;
  const n = v.toNumber();
  if (n > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  if (n < Number.MIN_SAFE_INTEGER) return Number.MIN_SAFE_INTEGER;
  return n;
}

/** A signed int64 field (lease ids) as a bigint, exactly. */
export function signed(v: Int64): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(v);
  return BigInt(Long.fromValue(v).toSigned().toString());
}

/** An unsigned uint64 field (member ids) as a bigint, exactly. */
export function unsigned(v: Int64): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(v);
  return BigInt(Long.fromValue(v).toUnsigned().toString());
}

/** A number for an int64 response field; null (left out) when 0. */
export function i64(n: number): number | null {
  return n === 0 ? null : n;
}

/** A bigint for an int64 response field (two's complement); null when 0. */
export function s64(n: bigint): Long | null {
  return n === 0n ? null : Long.fromString(BigInt.asIntN(64, n).toString(), false);
}

/** A bigint for a uint64 response field; null when 0. */
export function u64(n: bigint): Long | null {
  return n === 0n ? null : Long.fromString(BigInt.asUintN(64, n).toString(), true);
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

export function rangeFromPb(r: pb.IRangeRequest): RangeRequest {
  return {
    key: r.key ?? EMPTY,
    rangeEnd: r.rangeEnd ?? EMPTY,
    limit: num(r.limit),
    revision: num(r.revision),
    sortOrder: r.sortOrder ?? 0,
    sortTarget: r.sortTarget ?? 0,
    serializable: r.serializable === true,
    keysOnly: r.keysOnly === true,
    countOnly: r.countOnly === true,
    minModRevision: num(r.minModRevision),
    maxModRevision: num(r.maxModRevision),
    minCreateRevision: num(r.minCreateRevision),
    maxCreateRevision: num(r.maxCreateRevision),
  };
}

export function putFromPb(r: pb.IPutRequest): PutRequest {
  return {
    key: r.key ?? EMPTY,
    value: r.value ?? EMPTY,
    lease: signed(r.lease),
    prevKv: r.prevKv === true,
    ignoreValue: r.ignoreValue === true,
    ignoreLease: r.ignoreLease === true,
  };
}

export function deleteRangeFromPb(r: pb.IDeleteRangeRequest): DeleteRangeRequest {
  return { key: r.key ?? EMPTY, rangeEnd: r.rangeEnd ?? EMPTY, prevKv: r.prevKv === true };
}

function compareFromPb(c: pb.ICompare): Compare {
  return {
    result: c.result ?? 0,
    target: c.target ?? 0,
    key: c.key ?? EMPTY,
    rangeEnd: c.rangeEnd ?? EMPTY,
    version: num(c.version),
    createRevision: num(c.createRevision),
    modRevision: num(c.modRevision),
    value: c.value ?? EMPTY,
    lease: signed(c.lease),
  };
}

function requestOpFromPb(op: pb.IRequestOp): RequestOp {
  if (op.requestRange) return { range: rangeFromPb(op.requestRange) };
  if (op.requestPut) return { put: putFromPb(op.requestPut) };
  if (op.requestDeleteRange) return { deleteRange: deleteRangeFromPb(op.requestDeleteRange) };
  if (op.requestTxn) return { txn: txnFromPb(op.requestTxn) };
  return {};
}

export function txnFromPb(r: pb.ITxnRequest): TxnRequest {
  return {
    compare: (r.compare ?? []).map(compareFromPb),
    success: (r.success ?? []).map(requestOpFromPb),
    failure: (r.failure ?? []).map(requestOpFromPb),
  };
}

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

