import type { AuthOp, AuthPermType } from '../apply/index.js';
import type { EtcdServerApi } from '../etcdserver/server-api.js';
import { authService, etcdserverpb as pb } from '../pb/index.js';
import { headerToPb } from './convert.js';
import type { AnyMethod } from './grpc/index.js';
import { userOf } from './request-user.js';
import { unaryMethod } from './unary-method.js';

const PERM_TYPES: readonly AuthPermType[] = ['READ', 'WRITE', 'READWRITE'];
const EMPTY = new Uint8Array(0);

type Rpc = (typeof authService)[keyof typeof authService];

/**
 * etcd's Auth service: every request goes through raft (reads too, as etcd 3.4 does), passwords
 * are hashed here so that raft carries only hashes, Authenticate checks the password here first.
 */
export function authMethods(server: EtcdServerApi): AnyMethod[] {
  /** A method whose request becomes one auth op; the answer is the header plus what `shape` adds. */
  const method = <Req, Res extends object>(
    rpc: Rpc,
    decode: (b: Uint8Array) => Req,
    encode: (r: Res) => { finish(): Uint8Array },
    toOp: (req: Req) => AuthOp | Promise<AuthOp>,
    shape: (r: Awaited<ReturnType<EtcdServerApi['auth']>>['result']) => Omit<Res, 'header'> = () => ({}) as Omit<Res, 'header'>,
  ): AnyMethod =>
    unaryMethod(rpc.path, decode, encode, async (req: Req, call) => {
      const { header, result } = await server.auth(await toOp(req), await userOf(server, call));
      return { header: headerToPb(header), ...shape(result) } as Res;
    }) as AnyMethod;

  const hashed = async (password: string | null | undefined): Promise<string> => server.hashPassword(password ?? '');
  return [
    method(authService.AuthEnable, (b) => pb.AuthEnableRequest.decode(b), (r: pb.IAuthEnableResponse) => pb.AuthEnableResponse.encode(r), () => ({ op: 'enable' })),
    method(authService.AuthDisable, (b) => pb.AuthDisableRequest.decode(b), (r: pb.IAuthDisableResponse) => pb.AuthDisableResponse.encode(r), () => ({ op: 'disable' })),
    unaryMethod(authService.Authenticate.path, (b) => pb.AuthenticateRequest.decode(b), (r: pb.IAuthenticateResponse) => pb.AuthenticateResponse.encode(r), async (req) => {
      const a = await server.authenticate(req.name ?? '', req.password ?? '');
      return { header: headerToPb(a.header), token: a.token };
    }) as AnyMethod,
    method(authService.UserAdd, (b) => pb.AuthUserAddRequest.decode(b), (r: pb.IAuthUserAddResponse) => pb.AuthUserAddResponse.encode(r), async (req) => {
      const noPassword = req.options?.noPassword === true;
      return { op: 'userAdd', name: req.name ?? '', noPassword, hashedPassword: noPassword ? '' : await hashed(req.password) };
    }),
    method(authService.UserGet, (b) => pb.AuthUserGetRequest.decode(b), (r: pb.IAuthUserGetResponse) => pb.AuthUserGetResponse.encode(r), (req) => ({ op: 'userGet', name: req.name ?? '' }), (res) => ({ roles: res.roles ?? [] })),
    method(authService.UserList, (b) => pb.AuthUserListRequest.decode(b), (r: pb.IAuthUserListResponse) => pb.AuthUserListResponse.encode(r), () => ({ op: 'userList' }), (res) => ({ users: res.users ?? [] })),
    method(authService.UserDelete, (b) => pb.AuthUserDeleteRequest.decode(b), (r: pb.IAuthUserDeleteResponse) => pb.AuthUserDeleteResponse.encode(r), (req) => ({ op: 'userDelete', name: req.name ?? '' })),
    method(authService.UserChangePassword, (b) => pb.AuthUserChangePasswordRequest.decode(b), (r: pb.IAuthUserChangePasswordResponse) => pb.AuthUserChangePasswordResponse.encode(r), async (req) => ({
      op: 'userChangePassword',
      name: req.name ?? '',
      hashedPassword: await hashed(req.password),
    })),
    method(authService.UserGrantRole, (b) => pb.AuthUserGrantRoleRequest.decode(b), (r: pb.IAuthUserGrantRoleResponse) => pb.AuthUserGrantRoleResponse.encode(r), (req) => ({ op: 'userGrantRole', user: req.user ?? '', role: req.role ?? '' })),
    method(authService.UserRevokeRole, (b) => pb.AuthUserRevokeRoleRequest.decode(b), (r: pb.IAuthUserRevokeRoleResponse) => pb.AuthUserRevokeRoleResponse.encode(r), (req) => ({ op: 'userRevokeRole', name: req.name ?? '', role: req.role ?? '' })),
    method(authService.RoleAdd, (b) => pb.AuthRoleAddRequest.decode(b), (r: pb.IAuthRoleAddResponse) => pb.AuthRoleAddResponse.encode(r), (req) => ({ op: 'roleAdd', name: req.name ?? '' })),
    method(authService.RoleGet, (b) => pb.AuthRoleGetRequest.decode(b), (r: pb.IAuthRoleGetResponse) => pb.AuthRoleGetResponse.encode(r), (req) => ({ op: 'roleGet', role: req.role ?? '' }), (res) => ({
      perm: (res.perms ?? []).map((p) => ({ permType: p.permType, key: p.key, rangeEnd: p.rangeEnd })),
    })),
    method(authService.RoleList, (b) => pb.AuthRoleListRequest.decode(b), (r: pb.IAuthRoleListResponse) => pb.AuthRoleListResponse.encode(r), () => ({ op: 'roleList' }), (res) => ({ roles: res.roles ?? [] })),
    method(authService.RoleDelete, (b) => pb.AuthRoleDeleteRequest.decode(b), (r: pb.IAuthRoleDeleteResponse) => pb.AuthRoleDeleteResponse.encode(r), (req) => ({ op: 'roleDelete', role: req.role ?? '' })),
    method(authService.RoleGrantPermission, (b) => pb.AuthRoleGrantPermissionRequest.decode(b), (r: pb.IAuthRoleGrantPermissionResponse) => pb.AuthRoleGrantPermissionResponse.encode(r), (req) => ({
      op: 'roleGrantPermission',
      name: req.name ?? '',
      permType: PERM_TYPES[req.perm?.permType ?? 0] ?? 'READ',
      key: req.perm?.key ?? EMPTY,
      rangeEnd: req.perm?.rangeEnd ?? EMPTY,
    })),
    method(authService.RoleRevokePermission, (b) => pb.AuthRoleRevokePermissionRequest.decode(b), (r: pb.IAuthRoleRevokePermissionResponse) => pb.AuthRoleRevokePermissionResponse.encode(r), (req) => ({
      op: 'roleRevokePermission',
      role: req.role ?? '',
      key: req.key ?? EMPTY,
      rangeEnd: req.rangeEnd ?? EMPTY,
    })),
  ];
}
