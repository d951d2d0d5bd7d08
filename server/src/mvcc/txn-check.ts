import { assertNever } from '../util/index.js';
import {
  type DeleteRangeRequest,
  type PutRequest,
  type RangeRequest,
  type RequestOp,
  SortOrder,
  SortTarget,
  type TxnRequest,
  requestOpKind,
} from './kv-requests.js';
import { keyString, rangeEndString } from './key-string.js';
import { RequestError } from './request-errors.js';

/*
 * Validation of KV requests before they are proposed (etcd's v3rpc checks): pure functions of
 * the request, no store. What needs the store (keys and leases that must exist, revisions) is
 * checked by KvOps when the request is applied.
 */

/** etcd's default --max-txn-ops. */
export const DEFAULT_MAX_TXN_OPS = 128;

const SORT_ORDERS = new Set<number>(Object.values(SortOrder));
const SORT_TARGETS = new Set<number>(Object.values(SortTarget));

export function checkRangeRequest(req: RangeRequest): void {
  if (req.key.byteLength === 0) throw RequestError.emptyKey();
  if (!SORT_ORDERS.has(req.sortOrder ?? 0)) throw RequestError.invalidSortOption();
  if (!SORT_TARGETS.has(req.sortTarget ?? 0)) throw RequestError.invalidSortOption();
}

export function checkPutRequest(req: PutRequest): void {
  if (req.key.byteLength === 0) throw RequestError.emptyKey();
  if (req.ignoreValue === true && (req.value?.byteLength ?? 0) !== 0) throw RequestError.valueProvided();
  if (req.ignoreLease === true && (req.lease ?? 0n) !== 0n) throw RequestError.leaseProvided();
}

export function checkDeleteRangeRequest(req: DeleteRangeRequest): void {
  if (req.key.byteLength === 0) throw RequestError.emptyKey();
}

/**
 * Checks a txn: its size against `maxTxnOps` (nested txns get what is left of the budget, as
 * etcd passes it down), every compare's key, every op by its kind, and then, separately for
 * the success and the failure branch, that no key is written twice on one path.
 */
export function checkTxnRequest(req: TxnRequest, maxTxnOps = DEFAULT_MAX_TXN_OPS): void {
  checkTxnShape(req, maxTxnOps);
  // After the shape, so that the overlap check only ever sees bounded op lists.
  checkWrites(req.success);
  checkWrites(req.failure);
}

function checkTxnShape(req: TxnRequest, maxTxnOps: number): void {
  const n = Math.max(req.compare.length, req.success.length, req.failure.length);
  if (n > maxTxnOps) throw RequestError.tooManyOps();
  for (const c of req.compare) if (c.key.byteLength === 0) throw RequestError.emptyKey();
  for (const op of req.success) checkRequestOp(op, maxTxnOps - n);
  for (const op of req.failure) checkRequestOp(op, maxTxnOps - n);
}

function checkRequestOp(op: RequestOp, maxTxnOps: number): void {
  const k = requestOpKind(op);
  switch (k.kind) {
    case 'range':
      return checkRangeRequest(k.req);
    case 'put':
      return checkPutRequest(k.req);
    case 'deleteRange':
      return checkDeleteRangeRequest(k.req);
    case 'txn':
      return checkTxnShape(k.req, maxTxnOps);
    case 'empty':
      throw RequestError.keyNotFound();
    default:
      return assertNever(k, 'request op');
  }
}

/** A deleted key range as keyStrings: begin ≤ k < end (PAST_ALL_KEYS as end: unbounded). */
interface Interval {
  readonly begin: string;
  readonly end: string;
}

/** What one op list writes: the keys it puts and the ranges it deletes. */
interface Writes {
  readonly puts: Set<string>;
  readonly dels: Interval[];
}

/**
 * The write-overlap check of one op list (etcd's checkIntervals), returning its writes for the
 * level above. A nested txn's then and else branches exclude each other, so the same key put
 * in both is fine; anything else putting a key twice, or putting a key this level (or an
 * earlier nested txn) deletes, is a duplicate. Deletes may overlap each other.
 *
 * Unlike etcd, a delete ending in [0x00] counts as reaching every key after its start (etcd
 * compares that end as a string here and so misses such overlaps); the [0x00] end means
 * "every key ≥ key" everywhere else, and here too.
 */
function checkWrites(ops: readonly RequestOp[]): Writes {
  const dels: Interval[] = [];
  const kinds = ops.map(requestOpKind);
  for (const k of kinds) if (k.kind === 'deleteRange') pushInterval(dels, k.req);
  const puts = new Set<string>();
  for (const k of kinds) {
    if (k.kind !== 'txn') continue;
    const then = checkWrites(k.req.success);
    const otherwise = checkWrites(k.req.failure);
    for (const k of then.puts) addPut(puts, dels, k, false);
    for (const k of otherwise.puts) addPut(puts, dels, k, then.puts.has(k));
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const k of kinds) if (k.kind === 'put') addPut(puts, dels, keyString(k.req.key), false);
  return { puts, dels };
}

function pushInterval(dels: Interval[], req: DeleteRangeRequest): void {
  const begin = keyString(req.key);
  const end = rangeEndString(req.rangeEnd) ?? `${begin}\0`;
  // A range with key ≥ end deletes nothing, so it conflicts with nothing.
  if (begin < end) dels.push({ begin, end });
}

function addPut(puts: Set<string>, dels: readonly Interval[], k: string, mayRepeat: boolean): void {
  if (puts.has(k) && !mayRepeat) throw RequestError.duplicateKey();
  if (dels.some((iv) => iv.begin <= k && k < iv.end)) throw RequestError.duplicateKey();
  puts.add(k);
}
