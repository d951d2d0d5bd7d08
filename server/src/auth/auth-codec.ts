import { authpb } from '../pb/index.js';
import { errorMessage } from '../util/index.js';
import { AuthCorruptError } from './errors.js';

/** Keys of the `auth` bucket, as etcd names them. */
export const ENABLED_KEY = Buffer.from('authEnabled');
export const REVISION_KEY = Buffer.from('authRevision');
/** The one-byte values of ENABLED_KEY. */
export const AUTH_ENABLED = Buffer.from([1]);
export const AUTH_DISABLED = Buffer.from([0]);

/** etcd's permission types (authpb.Permission.Type). */
export type PermissionType = 0 | 1 | 2;
export const PermType = { READ: 0, WRITE: 1, READWRITE: 2 } as const satisfies Record<string, PermissionType>;

export interface Permission {
  readonly permType: PermissionType;
  readonly key: Buffer;
  /** Empty: the single key; "\0": every key from `key` on; else [key, rangeEnd). */
  readonly rangeEnd: Buffer;
}

export interface UserRecord {
  readonly name: Buffer;
  /** The bcrypt hash; empty for a user added with noPassword. */
  readonly password: Buffer;
  /** Sorted (etcd keeps them sorted and searches them by bisection). */
  readonly roles: readonly string[];
  /**
   * Present on users added by etcd 3.4 or Cairn; absent on users written by older etcd. Kept
   * as found, because etcd copies it unchanged and the record must stay byte-equal.
   */
  readonly options: { readonly noPassword: boolean } | undefined;
}

export interface RoleRecord {
  readonly name: Buffer;
  /** Sorted by key (see rolePermissionsWith for etcd's exact merge). */
  readonly keyPermission: readonly Permission[];
}

/**
 * Encodes a user as etcd's gogo-protobuf marshaller does: fields in number order, proto3
 * empty scalars omitted (protobufjs would write an empty password), roles in order, and the
 * options message written whenever it is present, even empty.
 */
export function encodeUser(u: UserRecord): Uint8Array {
  const msg: authpb.IUser = { roles: [...u.roles] };
  if (u.name.length > 0) msg.name = u.name;
  if (u.password.length > 0) msg.password = u.password;
  if (u.options !== undefined) msg.options = u.options.noPassword ? { noPassword: true } : {};
  return authpb.User.encode(msg).finish();
}

export function decodeUser(bytes: Uint8Array, key: Uint8Array): UserRecord {
  let m: authpb.User;
  try {
    m = authpb.User.decode(bytes);
  } catch (err) {
    throw new AuthCorruptError(`cannot decode user ${JSON.stringify(Buffer.from(key).toString())}: ${errorMessage(err)}`, { cause: err });
  }
  return {
    name: Buffer.from(m.name),
    password: Buffer.from(m.password),
    roles: m.roles,
    options: m.options === null || m.options === undefined ? undefined : { noPassword: m.options.noPassword === true },
  };
}

/** Encodes a role as gogo-protobuf does (READ, the zero type, and empty bytes are omitted). */
export function encodeRole(r: RoleRecord): Uint8Array {
  const msg: authpb.IRole = {
    keyPermission: r.keyPermission.map((p) => {
      const out: authpb.IPermission = {};
      if (p.permType !== PermType.READ) out.permType = p.permType;
      if (p.key.length > 0) out.key = p.key;
      if (p.rangeEnd.length > 0) out.rangeEnd = p.rangeEnd;
      return out;
    }),
  };
  if (r.name.length > 0) msg.name = r.name;
  return authpb.Role.encode(msg).finish();
}

export function decodeRole(bytes: Uint8Array, key: Uint8Array): RoleRecord {
  let m: authpb.Role;
  try {
    m = authpb.Role.decode(bytes);
  } catch (err) {
    throw new AuthCorruptError(`cannot decode role ${JSON.stringify(Buffer.from(key).toString())}: ${errorMessage(err)}`, { cause: err });
  }
  return {
    name: Buffer.from(m.name),
    keyPermission: m.keyPermission.map((p) => ({
      permType: toPermissionType(p.permType ?? 0),
      key: Buffer.from(p.key ?? []),
      rangeEnd: Buffer.from(p.rangeEnd ?? []),
    })),
  };
}

/** Refuses values outside the enum (etcd's apply would ignore such a permission; we say so). */
export function toPermissionType(n: number): PermissionType {
  if (n === 0 || n === 1 || n === 2) return n;
  throw new AuthCorruptError(`unknown permission type ${n}`);
}

/** The auth revision as etcd stores it: 8 bytes, big-endian. */
export function encodeRevision(rev: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(rev));
  return b;
}

/** 0 when absent (a store never opened); a wrong length is corruption. */
export function decodeRevision(bytes: Uint8Array | undefined): number {
  if (bytes === undefined) return 0;
  if (bytes.length !== 8) throw new AuthCorruptError(`authRevision has ${bytes.length} bytes, want 8`);
  const v = Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64BE();
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new AuthCorruptError(`authRevision ${v} is above 2^53-1`);
  return Number(v);
}
