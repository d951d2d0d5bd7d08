import { assertNever } from '../util/index.js';
import type { Change } from './change.js';
import { CompactedError, FutureRevisionError } from './errors.js';
import type { KvStore } from './kv-store.js';
import { applyRange } from './kv-range.js';
import {
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseOp,
  type TxnRequest,
  type TxnResponse,
  requestOpKind,
} from './kv-requests.js';
import type { Leases } from './leases.js';
import { RequestError } from './request-errors.js';
import { comparesHold } from './txn-compare.js';
import type { WriteTxn } from './write-txn.js';

/** A write request's answer and the changes its write txn made (for the watchable store). */
export interface WriteResult<R> {
  readonly response: R;
  readonly changes: Change[];
}

/**
 * The branch a txn takes, decided before any op runs: whether its compares held, and the same
 * for each nested txn of the chosen branch, in op order.
 */
interface TxnPath {
  readonly succeeded: boolean;
  readonly nested: readonly TxnPath[];
}

/**
 * Applies KV requests to the store as etcd's backend applier does (requests are expected to
 * have passed txn-check's validation first). Each write has two forms: a top-level one that
 * opens and ends one write txn and returns its changes, and an `…In` form that works inside a
 * write txn the caller holds (txns use it; so can a caller grouping requests).
 *
 * `leases` is asked whether a lease exists before a put names it; undefined means no lessor,
 * and lease ids are then not checked. Attaching keys to leases is the write txn's business.
 */
export class KvOps {
  constructor(
    private readonly store: KvStore,
    private readonly leases: Leases | undefined,
  ) {}

  /** A range at `req.revision` (0: current) against the store. */
  range(req: RangeRequest): RangeResponse {
    return applyRange(this.store, req);
  }

  /** A range inside a write txn: it sees the txn's earlier writes. */
  rangeIn(txn: WriteTxn, req: RangeRequest): RangeResponse {
    return applyRange(txn, req);
  }

  /**
   * A put in its own write txn. A lease that does not exist (RequestError.leaseNotFound) and
   * ignoreValue/ignoreLease on a missing key (keyNotFound) write nothing.
   */
  put(req: PutRequest): WriteResult<PutResponse> {
    this.checkLease(req);
    return this.inWriteTxn((txn) => this.putIn(txn, req));
  }

  /**
   * A put inside a write txn; the lease is not checked here (the top-level put and txn check
   * it before writing). Throws keyNotFound before writing when ignoreValue/ignoreLease finds
   * no key.
   */
  putIn(txn: WriteTxn, req: PutRequest): PutResponse {
    const ignoreValue = req.ignoreValue === true;
    const ignoreLease = req.ignoreLease === true;
    let value = req.value ?? new Uint8Array(0);
    let lease = req.lease ?? 0n;
    let prev;
    if (ignoreValue || ignoreLease || req.prevKv === true) prev = txn.range(req.key).kvs[0];
    if (ignoreValue || ignoreLease) {
      if (prev === undefined) throw RequestError.keyNotFound();
      if (ignoreValue) value = prev.value;
      if (ignoreLease) lease = prev.lease;
    }
    txn.put(req.key, value, lease);
    const header = { revision: txn.rev };
    return req.prevKv === true && prev !== undefined ? { header, prevKv: prev } : { header };
  }

  /** A delete of a key or range in its own write txn. */
  deleteRange(req: DeleteRangeRequest): WriteResult<DeleteRangeResponse> {
    return this.inWriteTxn((txn) => this.deleteRangeIn(txn, req));
  }

  /**
   * A delete inside a write txn. The header revision is the txn's own once it has changed
   * anything (here or before), else the revision it began at, as etcd's.
   */
  deleteRangeIn(txn: WriteTxn, req: DeleteRangeRequest): DeleteRangeResponse {
    const deleted = txn.deleteRange(req.key, req.rangeEnd);
    return {
      header: { revision: txn.changed ? txn.rev : txn.beginRev },
      deleted: deleted.length,
      prevKvs: req.prevKv === true ? deleted : [],
    };
  }

  /**
   * A txn as etcd 3.4 applies it: the path through it and its nested txns is decided from the
   * compares against the store before anything runs; then the puts and ranges of that path are
   * checked against the same state (missing keys for ignoreValue/ignoreLease, unknown leases,
   * future or compacted revisions), so a failing txn writes nothing. A txn of ranges only runs
   * without a write txn (no revision move, no write lock); any other runs its chosen ops in
   * ONE write txn, one revision for all. The header revision is the store's after the txn.
   */
  txn(req: TxnRequest): WriteResult<TxnResponse> {
    const path = this.decide(req);
    this.checkPath(req, path, (op) => (op.put === undefined ? undefined : this.checkPut(op.put)));
    this.checkPath(req, path, (op) => (op.range === undefined ? undefined : this.checkRange(op.range)));
    if (isReadOnly(req)) {
      const ops = path.succeeded ? req.success : req.failure;
      const responses = ops.map((op): ResponseOp => (op.range === undefined ? {} : { range: this.range(op.range) }));
      return { response: { header: { revision: this.store.rev }, succeeded: path.succeeded, responses }, changes: [] };
    }
    const txn = this.store.write();
    let changes: Change[] = [];
    let inner: TxnResponse;
    try {
      inner = this.applyTxn(txn, req, path);
    } finally {
      changes = txn.end();
    }
    const revision = changes.length > 0 ? txn.rev : txn.beginRev;
    return { response: { ...inner, header: { revision } }, changes };
  }

  /** The compares of the txn and of each nested txn on the chosen path, at the current state. */
  private decide(req: TxnRequest): TxnPath {
    const succeeded = comparesHold(this.store, req.compare);
    const nested: TxnPath[] = [];
    for (const op of succeeded ? req.success : req.failure) if (op.txn !== undefined) nested.push(this.decide(op.txn));
    return { succeeded, nested };
  }

  /** Runs `check` on every non-txn op on the path, depth first in op order. */
  private checkPath(req: TxnRequest, path: TxnPath, check: (op: RequestOp) => void): void {
    let n = 0;
    for (const op of path.succeeded ? req.success : req.failure) {
      if (op.txn === undefined) check(op);
      else this.checkPath(op.txn, path.nested[n++] as TxnPath, check);
    }
  }

  private checkPut(req: PutRequest): void {
    if (req.ignoreValue === true || req.ignoreLease === true) {
      if (this.store.range(req.key, undefined, { countOnly: true }).count === 0) throw RequestError.keyNotFound();
    }
    this.checkLease(req);
  }

  /**
   * etcd checks a txn's range revisions against its first revision, which is -1 until the
   * first compaction: so a negative revision reads the current one until then, and fails as
   * compacted after.
   */
  private checkRange(req: RangeRequest): void {
    const rev = req.revision ?? 0;
    if (rev === 0) return;
    if (rev > this.store.rev) throw new FutureRevisionError();
    const first = this.store.compactRev === 0 ? -1 : this.store.compactRev;
    if (rev < first) throw new CompactedError();
  }

  private checkLease(req: PutRequest): void {
    const lease = req.lease ?? 0n;
    if (lease !== 0n && this.leases !== undefined && !this.leases.has(lease)) throw RequestError.leaseNotFound();
  }

  /** Runs the chosen branch in `txn`; the header revision is 0, as etcd leaves a nested one. */
  private applyTxn(txn: WriteTxn, req: TxnRequest, path: TxnPath): TxnResponse {
    let n = 0;
    const responses = (path.succeeded ? req.success : req.failure).map((op): ResponseOp => {
      const k = requestOpKind(op);
      switch (k.kind) {
        case 'range':
          return { range: this.rangeIn(txn, k.req) };
        case 'put':
          return { put: this.putIn(txn, k.req) };
        case 'deleteRange':
          return { deleteRange: this.deleteRangeIn(txn, k.req) };
        case 'txn':
          return { txn: this.applyTxn(txn, k.req, path.nested[n++] as TxnPath) };
        case 'empty':
          return {};
        default:
          return assertNever(k, 'request op');
      }
    });
    return { header: { revision: 0 }, succeeded: path.succeeded, responses };
  }

  /** Runs `fn` in a new write txn and ends it, also when `fn` throws. */
  private inWriteTxn<R>(fn: (txn: WriteTxn) => R): WriteResult<R> {
    const txn = this.store.write();
    let changes: Change[] = [];
    let response: R;
    try {
      response = fn(txn);
    } finally {
      changes = txn.end();
    }
    return { response, changes };
  }
}

/** A txn whose success and failure ops (top level) are all ranges writes nothing. */
function isReadOnly(req: TxnRequest): boolean {
  return req.success.every((op) => requestOpKind(op).kind === 'range') && req.failure.every((op) => requestOpKind(op).kind === 'range');
}
