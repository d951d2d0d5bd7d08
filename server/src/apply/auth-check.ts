import { AuthError, type AuthStore } from '../auth/index.js';
import type { Lessor } from '../lease/index.js';
import type { DeleteRangeRequest, PutRequest, TxnRequest } from '../mvcc/index.js';
import type { RequestUser } from './request-codec.js';
import type { MemberRequest } from './requests.js';

const EMPTY = new Uint8Array(0);

/**
 * etcd's auth applier: with auth on, a client's request is checked at apply time against the
 * user and auth revision it was proposed with, so a permission revoked in between is honoured.
 * The member's own requests (no user: lease expiry, alarms, attributes) are not checked. A
 * client's write or auth request without a user was proposed while auth was off; applied after
 * auth was enabled, it is refused as etcd refuses it ("user name is empty").
 */
export function checkAuth(auth: AuthStore, lessor: Lessor, r: MemberRequest, user: RequestUser | undefined): void {
  if (!auth.isEnabled()) return;
  if (user === undefined) {
    if (onlyClientsSend(r)) throw new AuthError('userEmpty');
    return;
  }
  switch (r.kind) {
    case 'put':
      checkPut(auth, user, r.req);
      return;
    case 'deleteRange':
      checkDelete(auth, user, r.req);
      return;
    case 'txn':
      checkTxn(auth, user, r.req);
      return;
    case 'leaseRevoke': {
      // Revoking a lease deletes its keys: the user must be allowed to write every one.
      if (lessor.has(r.id)) for (const key of lessor.timeToLive(r.id).keys) auth.isPutPermitted(user, key);
      return;
    }
    case 'auth':
      if (r.op.op === 'authenticate') return;
      // A user may read their own record and the roles they hold (etcd's exception).
      if (r.op.op === 'userGet' && r.op.name === user.username) return;
      if (r.op.op === 'roleGet' && auth.hasRole(user.username, r.op.role)) return;
      auth.isAdminPermitted(user);
      return;
    default:
      return;
  }
}

/** Requests only a client makes (the member itself never writes keys or changes auth). */
function onlyClientsSend(r: MemberRequest): boolean {
  if (r.kind === 'auth') return r.op.op !== 'authenticate';
  return r.kind === 'put' || r.kind === 'deleteRange' || r.kind === 'txn';
}

function checkPut(auth: AuthStore, user: RequestUser, req: PutRequest): void {
  auth.isPutPermitted(user, req.key);
  if (req.prevKv === true) auth.isRangePermitted(user, req.key, EMPTY);
}

function checkDelete(auth: AuthStore, user: RequestUser, req: DeleteRangeRequest): void {
  auth.isDeleteRangePermitted(user, req.key, req.rangeEnd ?? EMPTY);
  if (req.prevKv === true) auth.isRangePermitted(user, req.key, req.rangeEnd ?? EMPTY);
}

/** Every key a txn compares or touches, in both branches, as etcd's checkTxnAuth. */
export function checkTxn(auth: AuthStore, user: RequestUser, req: TxnRequest): void {
  for (const c of req.compare) auth.isRangePermitted(user, c.key, c.rangeEnd ?? EMPTY);
  for (const op of [...req.success, ...req.failure]) {
    if (op.range !== undefined) auth.isRangePermitted(user, op.range.key, op.range.rangeEnd ?? EMPTY);
    else if (op.put !== undefined) checkPut(auth, user, op.put);
    else if (op.deleteRange !== undefined) checkDelete(auth, user, op.deleteRange);
    else if (op.txn !== undefined) checkTxn(auth, user, op.txn);
  }
}
