import { Bucket, type Backend } from '../backend/index.js';
import {
  AUTH_DISABLED,
  AUTH_ENABLED,
  ENABLED_KEY,
  REVISION_KEY,
  decodeRevision,
  decodeRole,
  decodeUser,
  encodeRevision,
  encodeRole,
  encodeUser,
  type RoleRecord,
  type UserRecord,
} from './auth-codec.js';

// etcd lists users and roles over [0x00, 0xff): a name starting with byte 0xff exists but is
// not listed. Kept, so that lists match etcd's for the same data.
const LIST_START = Buffer.from([0x00]);
const LIST_END = Buffer.from([0xff]);

/** The auth buckets of the backend, in etcd's layout and encodings. No rules here. */
export class AuthTables {
  constructor(private readonly be: Backend) {}

  getUser(name: string): UserRecord | undefined {
    const key = Buffer.from(name);
    const v = this.be.get(Bucket.authUsers, key);
    return v === undefined ? undefined : decodeUser(v, key);
  }

  putUser(u: UserRecord): void {
    this.be.put(Bucket.authUsers, u.name, encodeUser(u));
  }

  deleteUser(name: string): void {
    this.be.delete(Bucket.authUsers, Buffer.from(name));
  }

  allUsers(): UserRecord[] {
    return this.be.range(Bucket.authUsers, LIST_START, LIST_END).map(([k, v]) => decodeUser(v, k));
  }

  getRole(name: string): RoleRecord | undefined {
    const key = Buffer.from(name);
    const v = this.be.get(Bucket.authRoles, key);
    return v === undefined ? undefined : decodeRole(v, key);
  }

  putRole(r: RoleRecord): void {
    this.be.put(Bucket.authRoles, r.name, encodeRole(r));
  }

  deleteRole(name: string): void {
    this.be.delete(Bucket.authRoles, Buffer.from(name));
  }

  /** Role names in key order (the records need not be decoded to list them). */
  roleNames(): string[] {
    return this.be.range(Bucket.authRoles, LIST_START, LIST_END).map(([k]) => k.toString());
  }

  /** etcd reads only the exact byte 1 as "enabled". */
  readEnabled(): boolean {
    const v = this.be.get(Bucket.auth, ENABLED_KEY);
    return v !== undefined && v.equals(AUTH_ENABLED);
  }

  writeEnabled(on: boolean): void {
    this.be.put(Bucket.auth, ENABLED_KEY, on ? AUTH_ENABLED : AUTH_DISABLED);
  }

  readRevision(): number {
    return decodeRevision(this.be.get(Bucket.auth, REVISION_KEY));
  }

  writeRevision(rev: number): void {
    this.be.put(Bucket.auth, REVISION_KEY, encodeRevision(rev));
  }
}
