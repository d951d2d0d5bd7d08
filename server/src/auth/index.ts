export { AuthStore, type AuthStoreOptions, type NewPassword, type UserAddRequest, ROOT_ROLE, ROOT_USER } from './auth-store.js';
export {
  AUTH_DISABLED,
  AUTH_ENABLED,
  ENABLED_KEY,
  PermType,
  type Permission,
  type PermissionType,
  REVISION_KEY,
  type RoleRecord,
  type UserRecord,
  decodeRevision,
  decodeRole,
  decodeUser,
  encodeRevision,
  encodeRole,
  encodeUser,
} from './auth-codec.js';
export { ADMIN_REQUEST_FIELDS, type AdminRequestField, needsAdminPermission } from './admin-requests.js';
export { AUTH_ERROR_TEXT, AuthCorruptError, AuthError, type AuthErrorKind, GRPC_AUTH_ERRORS, type GrpcAuthError, GrpcCode } from './errors.js';
export { BCRYPT_DEFAULT_COST, BCRYPT_MAX_COST, BCRYPT_MIN_COST, BcryptHasher, type PasswordHasher } from './password.js';
export { type KeyInterval, RangePermissions, affineCompare, overlaps, permissionInterval, pointInterval } from './range-permissions.js';
export { type AssignRequest, type AuthInfo, type TokenProvider } from './token-provider.js';
export { DEFAULT_SIMPLE_TOKEN_TTL_MS, SimpleTokenProvider, type SimpleTokenOptions, parseSimpleToken } from './simple-token.js';
export { DEFAULT_JWT_TTL_MS, JWT_ALGORITHMS, type JwtAlgorithm, type JwtOptions, JwtTokenProvider, isJwtAlgorithm } from './jwt-token.js';
export { type TokenOptions, type TokenProviderDeps, createTokenProvider, parseTokenOptions } from './token-options.js';
