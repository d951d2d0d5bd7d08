import { etcdserverpb } from '../pb/index.js';
import { assertNever } from '../util/index.js';
import type { AuthOp, AuthPermType } from './requests.js';

const PERM_TYPES: readonly AuthPermType[] = ['READ', 'WRITE', 'READWRITE'];
const EMPTY = new Uint8Array(0);
const bytes = (b: Uint8Array | null | undefined): Uint8Array => b ?? EMPTY;

/** Puts an auth request in its InternalRaftRequest field (etcd's field numbers). */
export function authOpToPb(a: AuthOp, m: etcdserverpb.IInternalRaftRequest): void {
  switch (a.op) {
    case 'enable':
      m.authEnable = {};
      return;
    case 'disable':
      m.authDisable = {};
      return;
    case 'authenticate':
      m.authenticate = { name: a.name, simpleToken: a.simpleToken };
      return;
    case 'userAdd':
      m.authUserAdd = { name: a.name, hashedPassword: a.hashedPassword, options: { noPassword: a.noPassword } };
      return;
    case 'userDelete':
      m.authUserDelete = { name: a.name };
      return;
    case 'userChangePassword':
      m.authUserChangePassword = { name: a.name, hashedPassword: a.hashedPassword };
      return;
    case 'userGrantRole':
      m.authUserGrantRole = { user: a.user, role: a.role };
      return;
    case 'userRevokeRole':
      m.authUserRevokeRole = { name: a.name, role: a.role };
      return;
    case 'userGet':
      m.authUserGet = { name: a.name };
      return;
    case 'userList':
      m.authUserList = {};
      return;
    case 'roleAdd':
      m.authRoleAdd = { name: a.name };
      return;
    case 'roleDelete':
      m.authRoleDelete = { role: a.role };
      return;
    case 'roleGet':
      m.authRoleGet = { role: a.role };
      return;
    case 'roleList':
      m.authRoleList = {};
      return;
    case 'roleGrantPermission':
      m.authRoleGrantPermission = { name: a.name, perm: { permType: PERM_TYPES.indexOf(a.permType), key: a.key, rangeEnd: a.rangeEnd } };
      return;
    case 'roleRevokePermission':
      m.authRoleRevokePermission = { role: a.role, key: a.key, rangeEnd: a.rangeEnd };
      return;
    default:
      assertNever(a, 'auth request');
  }
}

/** The auth request an InternalRaftRequest carries, if any. */
export function authOpFromPb(m: etcdserverpb.InternalRaftRequest): AuthOp | undefined {
  if (m.authEnable != null) return { op: 'enable' };
  if (m.authDisable != null) return { op: 'disable' };
  if (m.authenticate != null) return { op: 'authenticate', name: m.authenticate.name ?? '', simpleToken: m.authenticate.simpleToken ?? '' };
  if (m.authUserAdd != null) {
    const u = m.authUserAdd;
    return { op: 'userAdd', name: u.name ?? '', hashedPassword: u.hashedPassword ?? '', noPassword: u.options?.noPassword === true };
  }
  if (m.authUserDelete != null) return { op: 'userDelete', name: m.authUserDelete.name ?? '' };
  if (m.authUserChangePassword != null) return { op: 'userChangePassword', name: m.authUserChangePassword.name ?? '', hashedPassword: m.authUserChangePassword.hashedPassword ?? '' };
  if (m.authUserGrantRole != null) return { op: 'userGrantRole', user: m.authUserGrantRole.user ?? '', role: m.authUserGrantRole.role ?? '' };
  if (m.authUserRevokeRole != null) return { op: 'userRevokeRole', name: m.authUserRevokeRole.name ?? '', role: m.authUserRevokeRole.role ?? '' };
  if (m.authUserGet != null) return { op: 'userGet', name: m.authUserGet.name ?? '' };
  if (m.authUserList != null) return { op: 'userList' };
  if (m.authRoleAdd != null) return { op: 'roleAdd', name: m.authRoleAdd.name ?? '' };
  if (m.authRoleDelete != null) return { op: 'roleDelete', role: m.authRoleDelete.role ?? '' };
  if (m.authRoleGet != null) return { op: 'roleGet', role: m.authRoleGet.role ?? '' };
  if (m.authRoleList != null) return { op: 'roleList' };
  if (m.authRoleGrantPermission != null) {
    const g = m.authRoleGrantPermission;
    return { op: 'roleGrantPermission', name: g.name ?? '', permType: PERM_TYPES[g.perm?.permType ?? 0] ?? 'READ', key: bytes(g.perm?.key), rangeEnd: bytes(g.perm?.rangeEnd) };
  }
  if (m.authRoleRevokePermission != null) {
    const r = m.authRoleRevokePermission;
    return { op: 'roleRevokePermission', role: r.role ?? '', key: bytes(r.key), rangeEnd: bytes(r.rangeEnd) };
  }
  return undefined;
}
