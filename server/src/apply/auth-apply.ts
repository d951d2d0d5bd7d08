import { type AuthStore, PermType, type Permission } from '../auth/index.js';
import { assertNever } from '../util/index.js';
import type { AuthOp } from './requests.js';

/** What an applied auth request answers (besides the header): lists, a permission set, a token. */
export interface AuthResult {
  readonly users?: string[];
  readonly roles?: string[];
  readonly perms?: Permission[];
  /** Authenticate: the token, which a JWT provider signs asynchronously. */
  readonly token?: Promise<string>;
}

/**
 * Applies an auth request to the store, in raft order on every member (etcd's applierV3 auth
 * methods). Refusals are the store's AuthErrors; `index` is the entry's raft index (a simple
 * token ends with it).
 */
export function applyAuth(auth: AuthStore, a: AuthOp, index: number): AuthResult {
  switch (a.op) {
    case 'enable':
      auth.enable();
      return {};
    case 'disable':
      auth.disable();
      return {};
    case 'authenticate':
      return { token: auth.authenticate(a.name, { index, simpleTokenPrefix: a.simpleToken }) };
    case 'userAdd':
      auth.userAdd(a.noPassword ? { name: a.name, noPassword: true } : { name: a.name, hashedPassword: Buffer.from(a.hashedPassword) });
      return {};
    case 'userDelete':
      auth.userDelete(a.name);
      return {};
    case 'userChangePassword':
      auth.userChangePassword(a.name, { hashedPassword: Buffer.from(a.hashedPassword) });
      return {};
    case 'userGrantRole':
      auth.userGrantRole(a.user, a.role);
      return {};
    case 'userRevokeRole':
      auth.userRevokeRole(a.name, a.role);
      return {};
    case 'userGet':
      return { roles: auth.userGet(a.name) };
    case 'userList':
      return { users: auth.userList() };
    case 'roleAdd':
      auth.roleAdd(a.name);
      return {};
    case 'roleDelete':
      auth.roleDelete(a.role);
      return {};
    case 'roleGet':
      return { perms: auth.roleGet(a.role) };
    case 'roleList':
      return { roles: auth.roleList() };
    case 'roleGrantPermission':
      auth.roleGrantPermission(a.name, { permType: PermType[a.permType], key: a.key, rangeEnd: a.rangeEnd });
      return {};
    case 'roleRevokePermission':
      auth.roleRevokePermission(a.role, a.key, a.rangeEnd);
      return {};
    default:
      return assertNever(a, 'auth request');
  }
}
