import Long from 'long';
import { type Compare, CompareTarget, type DeleteRangeRequest, type PutRequest, type RangeRequest, type RequestOp, type TxnRequest } from '../mvcc/index.js';
import { etcdserverpb } from '../pb/index.js';
import { assertNever, clampToSafeNumber, longOf, toLong, toSafeNumber, toUint64 } from '../util/index.js';
import { authOpFromPb, authOpToPb } from './auth-codec.js';
import type { AlarmAction, AlarmKind, MemberRequest } from './requests.js';

/*
 * The KV request decoders below also serve the API layer (wire → plain requests), so a client's
 * request and the entry that carries it through raft read the same way.
 */

/**
 * The bytes a member proposes: etcd's InternalRaftRequest, with `header.ID` tying the entry
 * to the waiter of the request (and `ID`, its older twin, set alike as etcd does).
 */
export function encodeRequest(id: bigint, r: MemberRequest, user?: RequestUser): Uint8Array {
  const header: etcdserverpb.IRequestHeader = { ID: toLong(id) };
  if (user !== undefined) {
    header.username = user.username;
    header.authRevision = Long.fromNumber(user.revision, true);
  }
  const m: etcdserverpb.IInternalRaftRequest = { header, ID: toLong(id) };
  switch (r.kind) {
    case 'put':
      m.put = putToPb(r.req);
      break;
    case 'deleteRange':
      m.deleteRange = deleteToPb(r.req);
      break;
    case 'txn':
      m.txn = txnToPb(r.req);
      break;
    case 'compaction':
      m.compaction = { revision: r.revision, physical: r.physical };
      break;
    case 'leaseGrant':
      m.leaseGrant = { ID: i64(r.id), TTL: r.ttl };
      break;
    case 'leaseRevoke':
      m.leaseRevoke = { ID: i64(r.id) };
      break;
    case 'leaseCheckpoint':
      m.leaseCheckpoint = { checkpoints: r.checkpoints.map((c) => ({ ID: i64(c.id), remaining_TTL: c.remainingTtl })) };
      break;
    case 'alarm':
      m.alarm = { action: ALARM_ACTIONS.indexOf(r.action), memberID: toLong(r.memberId), alarm: ALARM_KINDS.indexOf(r.alarm) };
      break;
    case 'memberAttrSet':
      m.clusterMemberAttrSet = { member_ID: toLong(r.memberId), memberAttributes: { name: r.name, clientUrls: [...r.clientUrls] } };
      break;
    case 'auth':
      authOpToPb(r.op, m);
      break;
    case 'unknown':
      throw new RangeError(`cannot propose ${r.what}`);
    default:
      assertNever(r, 'member request');
  }
  return etcdserverpb.InternalRaftRequest.encode(m).finish();
}

/** The user a request was checked as (etcd's RequestHeader username and auth_revision). */
export interface RequestUser {
  readonly username: string;
  readonly revision: number;
}

/** The request an entry carries; RequestCodecError if it is none this member knows. */
export function decodeRequest(data: Uint8Array): { id: bigint; req: MemberRequest; user?: RequestUser } {
  const m = etcdserverpb.InternalRaftRequest.decode(data);
  const id = m.header != null ? toUint64(m.header.ID) : toUint64(m.ID);
  const username = m.header?.username ?? '';
  const user = username === '' ? undefined : { username, revision: toSafeNumber(m.header?.authRevision ?? 0, 'auth_revision') };
  const r = decodeBody(m, id);
  return user === undefined ? r : { ...r, user };
}

function decodeBody(m: etcdserverpb.InternalRaftRequest, id: bigint): { id: bigint; req: MemberRequest } {
  if (m.put != null) return { id, req: { kind: 'put', req: putFromPb(m.put) } };
  const auth = authOpFromPb(m);
  if (auth !== undefined) return { id, req: { kind: 'auth', op: auth } };
  if (m.deleteRange != null) return { id, req: { kind: 'deleteRange', req: deleteFromPb(m.deleteRange) } };
  if (m.txn != null) return { id, req: { kind: 'txn', req: txnFromPb(m.txn) } };
  if (m.compaction != null) return { id, req: { kind: 'compaction', revision: toSafeNumber(m.compaction.revision, 'revision'), physical: m.compaction.physical === true } };
  if (m.leaseGrant != null) return { id, req: { kind: 'leaseGrant', id: i64From(m.leaseGrant.ID), ttl: toSafeNumber(m.leaseGrant.TTL, 'TTL') } };
  if (m.leaseRevoke != null) return { id, req: { kind: 'leaseRevoke', id: i64From(m.leaseRevoke.ID) } };
  if (m.leaseCheckpoint != null) {
    const checkpoints = (m.leaseCheckpoint.checkpoints ?? []).map((c) => ({ id: i64From(c.ID), remainingTtl: toSafeNumber(c.remaining_TTL, 'remaining_TTL') }));
    return { id, req: { kind: 'leaseCheckpoint', checkpoints } };
  }
  if (m.alarm != null) {
    const action = ALARM_ACTIONS[m.alarm.action ?? 0];
    const alarm = ALARM_KINDS[m.alarm.alarm ?? 0];
    if (action === undefined || alarm === undefined) return { id, req: { kind: 'unknown', what: `alarm action ${m.alarm.action} type ${m.alarm.alarm}` } };
    return { id, req: { kind: 'alarm', action, memberId: toUint64(m.alarm.memberID), alarm } };
  }
  if (m.clusterMemberAttrSet != null) {
    const a = m.clusterMemberAttrSet.memberAttributes;
    return { id, req: { kind: 'memberAttrSet', memberId: toUint64(m.clusterMemberAttrSet.member_ID), name: a?.name ?? '', clientUrls: a?.clientUrls ?? [] } };
  }
  return { id, req: { kind: 'unknown', what: 'a request this member does not apply (auth, v2 or range)' } };
}

const ALARM_ACTIONS: readonly AlarmAction[] = ['get', 'activate', 'deactivate'];
const ALARM_KINDS: readonly AlarmKind[] = ['NONE', 'NOSPACE', 'CORRUPT'];

function i64(n: bigint): Long {
  return longOf(n, false);
}

function i64From(v: Long | number | null | undefined): bigint {
  return BigInt.asIntN(64, toUint64(v));
}

function bytes(b: Uint8Array | null | undefined): Uint8Array | undefined {
  return b == null || b.byteLength === 0 ? undefined : b;
}

/** An int64 field of a client's request: clamped (see clampToSafeNumber); 0 is absent. */
function num(v: Long | number | null | undefined): number | undefined {
  const n = clampToSafeNumber(v);
  return n === 0 ? undefined : n;
}

export function rangeToPb(r: RangeRequest): etcdserverpb.IRangeRequest {
  return {
    key: r.key,
    rangeEnd: r.rangeEnd ?? null,
    limit: r.limit ?? 0,
    revision: r.revision ?? 0,
    sortOrder: r.sortOrder ?? 0,
    sortTarget: r.sortTarget ?? 0,
    serializable: r.serializable ?? false,
    keysOnly: r.keysOnly ?? false,
    countOnly: r.countOnly ?? false,
    minModRevision: r.minModRevision ?? 0,
    maxModRevision: r.maxModRevision ?? 0,
    minCreateRevision: r.minCreateRevision ?? 0,
    maxCreateRevision: r.maxCreateRevision ?? 0,
  };
}

export function rangeFromPb(m: etcdserverpb.IRangeRequest): RangeRequest {
  return strip({
    key: m.key ?? new Uint8Array(0),
    rangeEnd: bytes(m.rangeEnd),
    limit: num(m.limit),
    revision: num(m.revision),
    sortOrder: m.sortOrder ?? undefined,
    sortTarget: m.sortTarget ?? undefined,
    serializable: m.serializable === true ? true : undefined,
    keysOnly: m.keysOnly === true ? true : undefined,
    countOnly: m.countOnly === true ? true : undefined,
    minModRevision: num(m.minModRevision),
    maxModRevision: num(m.maxModRevision),
    minCreateRevision: num(m.minCreateRevision),
    maxCreateRevision: num(m.maxCreateRevision),
  });
}

export function putToPb(r: PutRequest): etcdserverpb.IPutRequest {
  return {
    key: r.key,
    value: r.value ?? null,
    lease: i64(r.lease ?? 0n),
    prevKv: r.prevKv ?? false,
    ignoreValue: r.ignoreValue ?? false,
    ignoreLease: r.ignoreLease ?? false,
  };
}

export function putFromPb(m: etcdserverpb.IPutRequest): PutRequest {
  const lease = i64From(m.lease);
  return strip({
    key: m.key ?? new Uint8Array(0),
    value: m.value ?? undefined,
    lease: lease === 0n ? undefined : lease,
    prevKv: m.prevKv === true ? true : undefined,
    ignoreValue: m.ignoreValue === true ? true : undefined,
    ignoreLease: m.ignoreLease === true ? true : undefined,
  });
}

export function deleteToPb(r: DeleteRangeRequest): etcdserverpb.IDeleteRangeRequest {
  return { key: r.key, rangeEnd: r.rangeEnd ?? null, prevKv: r.prevKv ?? false };
}

export function deleteFromPb(m: etcdserverpb.IDeleteRangeRequest): DeleteRangeRequest {
  return strip({ key: m.key ?? new Uint8Array(0), rangeEnd: bytes(m.rangeEnd), prevKv: m.prevKv === true ? true : undefined });
}

/**
 * Only the operand the target names goes on the wire: target_union is a oneof, and a message
 * carrying several members decodes as the last one, whatever the target.
 */
export function compareToPb(c: Compare): etcdserverpb.ICompare {
  const m: etcdserverpb.ICompare = { result: c.result, target: c.target, key: c.key, rangeEnd: c.rangeEnd ?? null };
  switch (c.target) {
    case CompareTarget.VERSION:
      m.version = c.version ?? 0;
      break;
    case CompareTarget.CREATE:
      m.createRevision = c.createRevision ?? 0;
      break;
    case CompareTarget.MOD:
      m.modRevision = c.modRevision ?? 0;
      break;
    case CompareTarget.VALUE:
      m.value = c.value ?? new Uint8Array(0);
      break;
    case CompareTarget.LEASE:
      m.lease = i64(c.lease ?? 0n);
      break;
    default:
      break; // an unknown target compares nothing (validation refuses it before a proposal)
  }
  return m;
}

export function compareFromPb(m: etcdserverpb.ICompare): Compare {
  // Only the member of the target_union the message carries is set (protobufjs tells it by `targetUnion`).
  const which = (m as { targetUnion?: string }).targetUnion;
  return strip({
    result: m.result ?? 0,
    target: m.target ?? 0,
    key: m.key ?? new Uint8Array(0),
    rangeEnd: bytes(m.rangeEnd),
    version: which === 'version' ? clampToSafeNumber(m.version) : undefined,
    createRevision: which === 'createRevision' ? clampToSafeNumber(m.createRevision) : undefined,
    modRevision: which === 'modRevision' ? clampToSafeNumber(m.modRevision) : undefined,
    value: which === 'value' ? (m.value ?? new Uint8Array(0)) : undefined,
    lease: which === 'lease' ? i64From(m.lease) : undefined,
  });
}

function opToPb(op: RequestOp): etcdserverpb.IRequestOp {
  if (op.range !== undefined) return { requestRange: rangeToPb(op.range) };
  if (op.put !== undefined) return { requestPut: putToPb(op.put) };
  if (op.deleteRange !== undefined) return { requestDeleteRange: deleteToPb(op.deleteRange) };
  if (op.txn !== undefined) return { requestTxn: txnToPb(op.txn) };
  return {};
}

function opFromPb(m: etcdserverpb.IRequestOp): RequestOp {
  if (m.requestRange != null) return { range: rangeFromPb(m.requestRange) };
  if (m.requestPut != null) return { put: putFromPb(m.requestPut) };
  if (m.requestDeleteRange != null) return { deleteRange: deleteFromPb(m.requestDeleteRange) };
  if (m.requestTxn != null) return { txn: txnFromPb(m.requestTxn) };
  return {};
}

export function txnToPb(r: TxnRequest): etcdserverpb.ITxnRequest {
  return { compare: r.compare.map(compareToPb), success: r.success.map(opToPb), failure: r.failure.map(opToPb) };
}

export function txnFromPb(m: etcdserverpb.ITxnRequest): TxnRequest {
  return { compare: (m.compare ?? []).map(compareFromPb), success: (m.success ?? []).map(opFromPb), failure: (m.failure ?? []).map(opFromPb) };
}

/**
 * The object without its undefined properties (the request types use optional fields), as a
 * new object: deleting properties would turn every decoded request into a slow dictionary.
 */
function strip<T extends object>(o: { [K in keyof T]: T[K] | undefined }): T {
  const out: Partial<T> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k] as T[typeof k];
  return out as T;
}
