import type { KeyValue } from './kv-codec.js';

/*
 * The KV requests and responses as plain objects, with etcdserverpb's field names in camelCase.
 * The API layer converts the protobuf messages to and from these; mvcc never sees protobuf.
 * Absent optional fields mean what proto3's zero values mean (0, false, empty bytes).
 * Range ends follow mvcc everywhere: absent or empty = the single key, [0x00] = every key ≥
 * key, otherwise the exclusive end.
 */

/** RangeRequest.SortOrder, etcd's numbers. */
export const SortOrder = { NONE: 0, ASCEND: 1, DESCEND: 2 } as const;
export type SortOrder = (typeof SortOrder)[keyof typeof SortOrder];

/** RangeRequest.SortTarget, etcd's numbers. */
export const SortTarget = { KEY: 0, VERSION: 1, CREATE: 2, MOD: 3, VALUE: 4 } as const;
export type SortTarget = (typeof SortTarget)[keyof typeof SortTarget];

/** Compare.CompareResult, etcd's numbers: how the key's field must relate to the given one. */
export const CompareResult = { EQUAL: 0, GREATER: 1, LESS: 2, NOT_EQUAL: 3 } as const;
export type CompareResult = (typeof CompareResult)[keyof typeof CompareResult];

/** Compare.CompareTarget, etcd's numbers: which field of the key is compared. */
export const CompareTarget = { VERSION: 0, CREATE: 1, MOD: 2, VALUE: 3, LEASE: 4 } as const;
export type CompareTarget = (typeof CompareTarget)[keyof typeof CompareTarget];

/**
 * Sort order and target are plain numbers here because the wire can carry any int32; the
 * validation (checkRangeRequest) refuses values outside the enums.
 */
export interface RangeRequest {
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array;
  readonly limit?: number;
  readonly revision?: number;
  readonly sortOrder?: number;
  readonly sortTarget?: number;
  readonly serializable?: boolean;
  readonly keysOnly?: boolean;
  readonly countOnly?: boolean;
  readonly minModRevision?: number;
  readonly maxModRevision?: number;
  readonly minCreateRevision?: number;
  readonly maxCreateRevision?: number;
}

export interface PutRequest {
  readonly key: Uint8Array;
  readonly value?: Uint8Array;
  /** Signed 64-bit lease id; 0 or absent: none. */
  readonly lease?: bigint;
  readonly prevKv?: boolean;
  readonly ignoreValue?: boolean;
  readonly ignoreLease?: boolean;
}

export interface DeleteRangeRequest {
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array;
  readonly prevKv?: boolean;
}

/**
 * One condition of a txn. The proto's `target_union` oneof is modelled as optional fields: the
 * one matching `target` is used, and a missing one compares as 0 or empty bytes, as etcd does.
 * `result` and `target` are numbers for the same reason as RangeRequest's sort fields.
 */
export interface Compare {
  readonly result: number;
  readonly target: number;
  readonly key: Uint8Array;
  readonly rangeEnd?: Uint8Array;
  readonly version?: number;
  readonly createRevision?: number;
  readonly modRevision?: number;
  readonly value?: Uint8Array;
  readonly lease?: bigint;
}

interface NoOp {
  readonly range?: never;
  readonly put?: never;
  readonly deleteRange?: never;
  readonly txn?: never;
}

/**
 * One op of a txn branch: exactly one of the four requests, or none (the proto's empty oneof,
 * which validation refuses with keyNotFound). Use `requestOpKind` to switch on it.
 */
export type RequestOp =
  | (Omit<NoOp, 'range'> & { readonly range: RangeRequest })
  | (Omit<NoOp, 'put'> & { readonly put: PutRequest })
  | (Omit<NoOp, 'deleteRange'> & { readonly deleteRange: DeleteRangeRequest })
  | (Omit<NoOp, 'txn'> & { readonly txn: TxnRequest })
  | NoOp;

export interface TxnRequest {
  readonly compare: readonly Compare[];
  readonly success: readonly RequestOp[];
  readonly failure: readonly RequestOp[];
}

/** A RequestOp as a tagged union, for exhaustive switches. */
export type RequestOpKind =
  | { readonly kind: 'range'; readonly req: RangeRequest }
  | { readonly kind: 'put'; readonly req: PutRequest }
  | { readonly kind: 'deleteRange'; readonly req: DeleteRangeRequest }
  | { readonly kind: 'txn'; readonly req: TxnRequest }
  | { readonly kind: 'empty' };

/** Which request an op carries (the first set, in the proto's field order). */
export function requestOpKind(op: RequestOp): RequestOpKind {
  if (op.range !== undefined) return { kind: 'range', req: op.range };
  if (op.put !== undefined) return { kind: 'put', req: op.put };
  if (op.deleteRange !== undefined) return { kind: 'deleteRange', req: op.deleteRange };
  if (op.txn !== undefined) return { kind: 'txn', req: op.txn };
  return { kind: 'empty' };
}

/**
 * The part of etcd's ResponseHeader the store decides. Cluster id, member id and raft term are
 * filled in by the server layer.
 */
export interface ResponseHeader {
  readonly revision: number;
}

export interface RangeResponse {
  readonly header: ResponseHeader;
  readonly kvs: KeyValue[];
  readonly more: boolean;
  readonly count: number;
}

export interface PutResponse {
  readonly header: ResponseHeader;
  readonly prevKv?: KeyValue;
}

export interface DeleteRangeResponse {
  readonly header: ResponseHeader;
  readonly deleted: number;
  readonly prevKvs: KeyValue[];
}

interface NoResponse {
  readonly range?: never;
  readonly put?: never;
  readonly deleteRange?: never;
  readonly txn?: never;
}

/** The answer to one RequestOp, in the same shape; an empty op gets an empty response. */
export type ResponseOp =
  | (Omit<NoResponse, 'range'> & { readonly range: RangeResponse })
  | (Omit<NoResponse, 'put'> & { readonly put: PutResponse })
  | (Omit<NoResponse, 'deleteRange'> & { readonly deleteRange: DeleteRangeResponse })
  | (Omit<NoResponse, 'txn'> & { readonly txn: TxnResponse })
  | NoResponse;

/** A nested txn's response has header revision 0: etcd leaves it unset. */
export interface TxnResponse {
  readonly header: ResponseHeader;
  readonly succeeded: boolean;
  readonly responses: ResponseOp[];
}
