import { CairnError } from '../util/index.js';

/**
 * The auth store's refusals, one kind per error of etcd 3.4's auth package. The message is the
 * auth package's own text (what etcd logs); what a client sees is the gRPC status in
 * GRPC_AUTH_ERRORS, which only `api/` applies.
 */
export const AUTH_ERROR_TEXT = {
  rootUserNotExist: 'auth: root user does not exist',
  rootRoleNotExist: 'auth: root user does not have root role',
  userAlreadyExist: 'auth: user already exists',
  userEmpty: 'auth: user name is empty',
  userNotFound: 'auth: user not found',
  roleAlreadyExist: 'auth: role already exists',
  roleNotFound: 'auth: role not found',
  roleEmpty: 'auth: role name is empty',
  authFailed: 'auth: authentication failed, invalid user ID or password',
  noPasswordUser: 'auth: authentication failed, password was given for no password user',
  permissionDenied: 'auth: permission denied',
  roleNotGranted: 'auth: role is not granted to the user',
  permissionNotGranted: 'auth: permission is not granted to the role',
  authNotEnabled: 'auth: authentication is not enabled',
  authOldRevision: 'auth: revision in header is old',
  invalidAuthToken: 'auth: invalid auth token',
  invalidAuthOpts: 'auth: invalid auth options',
  invalidAuthMgmt: 'auth: invalid auth management',
  invalidAuthMethod: 'auth: invalid auth signature method',
  missingKey: 'auth: missing key data',
  keyMismatch: "auth: public and private keys don't match",
  verifyOnly: 'auth: token signing attempted with verify-only key',
} as const;

export type AuthErrorKind = keyof typeof AUTH_ERROR_TEXT;

/** A request the auth store refuses; `kind` is what callers switch on, never the text. */
export class AuthError extends CairnError {
  constructor(
    readonly kind: AuthErrorKind,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(options?.detail === undefined ? AUTH_ERROR_TEXT[kind] : `${AUTH_ERROR_TEXT[kind]}: ${options.detail}`, options);
  }
}

/** A user or role record in the backend could not be decoded (etcd panics on this). */
export class AuthCorruptError extends CairnError {}

/** gRPC status codes used below (numeric values of google.rpc.Code). */
export const GrpcCode = {
  unknown: 2,
  invalidArgument: 3,
  permissionDenied: 7,
  failedPrecondition: 9,
  unauthenticated: 16,
} as const;

export interface GrpcAuthError {
  readonly code: (typeof GrpcCode)[keyof typeof GrpcCode];
  readonly message: string;
  /** The name of etcd's rpctypes variable this row reproduces (for readers and grep). */
  readonly rpctype: string;
}

/**
 * How `api/` reports each auth error to clients, byte for byte as etcd 3.4 (v3rpc's error map
 * to rpctypes; clients and etcdctl match on these strings, and clientv3 refreshes its token on
 * invalidAuthToken and authOldRevision).
 *
 * The last kinds have no rpctypes entry: they come from token configuration and do not reach a
 * client in etcd except through its fallback, code Unknown with the auth package's text.
 */
export const GRPC_AUTH_ERRORS: Readonly<Record<AuthErrorKind, GrpcAuthError>> = {
  rootUserNotExist: { code: GrpcCode.failedPrecondition, message: 'etcdserver: root user does not exist', rpctype: 'ErrGRPCRootUserNotExist' },
  rootRoleNotExist: { code: GrpcCode.failedPrecondition, message: 'etcdserver: root user does not have root role', rpctype: 'ErrGRPCRootRoleNotExist' },
  userAlreadyExist: { code: GrpcCode.failedPrecondition, message: 'etcdserver: user name already exists', rpctype: 'ErrGRPCUserAlreadyExist' },
  userEmpty: { code: GrpcCode.invalidArgument, message: 'etcdserver: user name is empty', rpctype: 'ErrGRPCUserEmpty' },
  userNotFound: { code: GrpcCode.failedPrecondition, message: 'etcdserver: user name not found', rpctype: 'ErrGRPCUserNotFound' },
  roleAlreadyExist: { code: GrpcCode.failedPrecondition, message: 'etcdserver: role name already exists', rpctype: 'ErrGRPCRoleAlreadyExist' },
  roleNotFound: { code: GrpcCode.failedPrecondition, message: 'etcdserver: role name not found', rpctype: 'ErrGRPCRoleNotFound' },
  roleEmpty: { code: GrpcCode.invalidArgument, message: 'etcdserver: role name is empty', rpctype: 'ErrGRPCRoleEmpty' },
  authFailed: { code: GrpcCode.invalidArgument, message: 'etcdserver: authentication failed, invalid user ID or password', rpctype: 'ErrGRPCAuthFailed' },
  permissionDenied: { code: GrpcCode.permissionDenied, message: 'etcdserver: permission denied', rpctype: 'ErrGRPCPermissionDenied' },
  roleNotGranted: { code: GrpcCode.failedPrecondition, message: 'etcdserver: role is not granted to the user', rpctype: 'ErrGRPCRoleNotGranted' },
  permissionNotGranted: { code: GrpcCode.failedPrecondition, message: 'etcdserver: permission is not granted to the role', rpctype: 'ErrGRPCPermissionNotGranted' },
  authNotEnabled: { code: GrpcCode.failedPrecondition, message: 'etcdserver: authentication is not enabled', rpctype: 'ErrGRPCAuthNotEnabled' },
  authOldRevision: { code: GrpcCode.invalidArgument, message: 'etcdserver: revision of auth store is old', rpctype: 'ErrGRPCAuthOldRevision' },
  invalidAuthToken: { code: GrpcCode.unauthenticated, message: 'etcdserver: invalid auth token', rpctype: 'ErrGRPCInvalidAuthToken' },
  invalidAuthMgmt: { code: GrpcCode.invalidArgument, message: 'etcdserver: invalid auth management', rpctype: 'ErrGRPCInvalidAuthMgmt' },
  noPasswordUser: { code: GrpcCode.unknown, message: AUTH_ERROR_TEXT.noPasswordUser, rpctype: '(none: Unknown)' },
  invalidAuthOpts: { code: GrpcCode.unknown, message: AUTH_ERROR_TEXT.invalidAuthOpts, rpctype: '(none: Unknown)' },
  invalidAuthMethod: { code: GrpcCode.unknown, message: AUTH_ERROR_TEXT.invalidAuthMethod, rpctype: '(none: Unknown)' },
  missingKey: { code: GrpcCode.unknown, message: AUTH_ERROR_TEXT.missingKey, rpctype: '(none: Unknown)' },
  keyMismatch: { code: GrpcCode.unknown, message: AUTH_ERROR_TEXT.keyMismatch, rpctype: '(none: Unknown)' },
  verifyOnly: { code: GrpcCode.unknown, message: AUTH_ERROR_TEXT.verifyOnly, rpctype: '(none: Unknown)' },
};
