/**
 * The InternalRaftRequest fields (protobufjs names) whose apply needs role root while auth is
 * on — etcd 3.4 checks these in its auth applier with the user of the request header, before
 * applying. Kept here as data so `apply/` need not restate etcd's list.
 */
export const ADMIN_REQUEST_FIELDS = [
  'authEnable',
  'authDisable',
  'authUserAdd',
  'authUserDelete',
  'authUserChangePassword',
  'authUserGrantRole',
  'authUserGet',
  'authUserRevokeRole',
  'authRoleAdd',
  'authRoleGrantPermission',
  'authRoleGet',
  'authRoleRevokePermission',
  'authRoleDelete',
  'authUserList',
  'authRoleList',
] as const;

export type AdminRequestField = (typeof ADMIN_REQUEST_FIELDS)[number];

/** Whether a decoded InternalRaftRequest carries one of ADMIN_REQUEST_FIELDS. */
export function needsAdminPermission(req: Partial<Record<AdminRequestField, unknown>>): boolean {
  return ADMIN_REQUEST_FIELDS.some((f) => req[f] !== undefined && req[f] !== null);
}
