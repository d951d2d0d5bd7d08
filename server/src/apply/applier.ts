import type { AuthStore } from '../auth/index.js';
import type { Lessor } from '../lease/index.js';
import { type AuthResult, applyAuth } from './auth-apply.js';
import { checkAuth } from './auth-check.js';
import type { RequestUser } from './request-codec.js';
import { CompactedError, FutureRevisionError, type KvOps, type WatchableStore } from '../mvcc/index.js';
import { assertNever } from '../util/index.js';
import type { Alarm, AlarmStore } from './alarms.js';
import { ApplyRefusedError } from './errors.js';
import type { MemberRequest } from './requests.js';

/** What applying one request produced, for the waiter of the request (if any). */
export type ApplyOutcome =
  | { readonly ok: true; readonly response: ApplyResponse }
  | { readonly ok: false; readonly error: Error };

/** The answer of an applied request (mvcc's responses carry only the revision in their header). */
export type ApplyResponse =
  | { readonly kind: 'put'; readonly res: ReturnType<KvOps['put']>['response'] }
  | { readonly kind: 'deleteRange'; readonly res: ReturnType<KvOps['deleteRange']>['response'] }
  | { readonly kind: 'txn'; readonly res: ReturnType<KvOps['txn']>['response'] }
  | { readonly kind: 'compaction'; readonly revision: number; readonly done: Promise<void> }
  | { readonly kind: 'leaseGrant'; readonly id: bigint; readonly ttl: number; readonly revision: number }
  | { readonly kind: 'leaseRevoke'; readonly revision: number }
  | { readonly kind: 'leaseCheckpoint' }
  | { readonly kind: 'alarm'; readonly alarms: Alarm[] }
  | { readonly kind: 'memberAttrSet' }
  | { readonly kind: 'auth'; readonly result: AuthResult };

/** What the applier needs of the member's membership (the member implements it). */
export interface MemberAttributes {
  /** A member's name and client URLs, as it published them; unknown members are ignored. */
  setAttributes(id: bigint, name: string, clientUrls: readonly string[]): void;
}

export interface ApplyParts {
  readonly members?: MemberAttributes;
  readonly store: WatchableStore;
  readonly ops: KvOps;
  readonly lessor: Lessor;
  readonly alarms: AlarmStore;
  /** The auth store; without one, auth requests are refused as unsupported. */
  readonly auth?: AuthStore;
}

/**
 * Applies committed requests to the store, the lessor and the alarms (etcd's applierV3 with its
 * alarm wrappers): with CORRUPT raised every KV and lease request is refused, with NOSPACE the
 * requests that grow the database are. Pure in the raft sense: the same requests in the same
 * order give the same state on every member. The caller records the consistent index with it.
 */
export class Applier {
  constructor(private readonly parts: ApplyParts) {}

  /** Applies one request; `index` is its raft index (Authenticate's simple token ends with it). */
  apply(req: MemberRequest, index = 0, user?: RequestUser): ApplyOutcome {
    try {
      if (this.parts.auth !== undefined) checkAuth(this.parts.auth, this.parts.lessor, req, user);
      return { ok: true, response: this.applyOrThrow(req, index) };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
    }
  }

  private applyOrThrow(r: MemberRequest, index: number): ApplyResponse {
    const { ops, lessor, alarms, store } = this.parts;
    if (r.kind !== 'alarm' && r.kind !== 'leaseCheckpoint' && r.kind !== 'memberAttrSet' && r.kind !== 'auth' && alarms.has('CORRUPT')) throw new ApplyRefusedError('corrupt');
    switch (r.kind) {
      case 'put':
        if (alarms.has('NOSPACE')) throw new ApplyRefusedError('noSpace');
        return { kind: 'put', res: ops.put(r.req).response };
      case 'deleteRange':
        return { kind: 'deleteRange', res: ops.deleteRange(r.req).response };
      case 'txn':
        if (alarms.has('NOSPACE') && txnWrites(r.req)) throw new ApplyRefusedError('noSpace');
        return { kind: 'txn', res: ops.txn(r.req).response };
      case 'compaction': {
        const kv = store.kv;
        if (r.revision <= kv.compactRev) throw new CompactedError();
        if (r.revision > kv.rev) throw new FutureRevisionError();
        const done = kv.compact(r.revision);
        done.catch(() => undefined); // the waiter of a physical compaction awaits it
        return { kind: 'compaction', revision: kv.rev, done };
      }
      case 'leaseGrant': {
        if (alarms.has('NOSPACE')) throw new ApplyRefusedError('noSpace');
        const l = lessor.grant(r.id, r.ttl);
        return { kind: 'leaseGrant', id: l.id, ttl: l.ttl, revision: store.kv.rev };
      }
      case 'leaseRevoke':
        lessor.revoke(r.id, () => store.kv.write());
        return { kind: 'leaseRevoke', revision: store.kv.rev };
      case 'leaseCheckpoint':
        for (const c of r.checkpoints) if (lessor.has(c.id)) lessor.checkpoint(c.id, c.remainingTtl);
        return { kind: 'leaseCheckpoint' };
      case 'alarm':
        return { kind: 'alarm', alarms: this.applyAlarm(r) };
      case 'memberAttrSet':
        this.parts.members?.setAttributes(r.memberId, r.name, r.clientUrls);
        return { kind: 'memberAttrSet' };
      case 'auth':
        if (this.parts.auth === undefined) throw new ApplyRefusedError('unsupported', `auth request ${r.op.op}`);
        return { kind: 'auth', result: applyAuth(this.parts.auth, r.op, index) };
      case 'unknown':
        throw new ApplyRefusedError('unsupported', r.what);
      default:
        return assertNever(r, 'member request');
    }
  }

  private applyAlarm(r: Extract<MemberRequest, { kind: 'alarm' }>): Alarm[] {
    const { alarms } = this.parts;
    switch (r.action) {
      case 'get':
        return alarms.get(r.alarm);
      case 'activate':
        if (r.alarm === 'NONE') return [];
        return [alarms.activate(r.memberId, r.alarm)];
      case 'deactivate': {
        const a = alarms.deactivate(r.memberId, r.alarm);
        return a === undefined ? [] : [a];
      }
      default:
        return assertNever(r.action, 'alarm action');
    }
  }
}

/** Whether a txn has a write in either branch (etcd's check for the NOSPACE alarm). */
function txnWrites(req: Extract<MemberRequest, { kind: 'txn' }>['req']): boolean {
  const ops = [...req.success, ...req.failure];
  return ops.some((op) => op.put !== undefined || op.deleteRange !== undefined || (op.txn !== undefined && txnWrites(op.txn)));
}
