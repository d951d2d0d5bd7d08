import type { Backend } from '../backend/index.js';
import { tracer } from '../util/index.js';
import type { Permission, PermissionType, RoleRecord, UserRecord } from './auth-codec.js';
import { AuthTables } from './auth-tables.js';
import { AuthError } from './errors.js';
import { BcryptHasher, type PasswordHasher } from './password.js';
import { RangePermissions } from './range-permissions.js';
import { compareNames, hasName, rolePermissionsWith, searchNames } from './sorted.js';
import type { AuthInfo, TokenProvider } from './token-provider.js';

export const ROOT_USER = 'root';
export const ROOT_ROLE = 'root';

const trace = tracer('auth');

export interface AuthStoreOptions {
  readonly tokenProvider: TokenProvider;
  /** Default: bcrypt at `bcryptCost`. */
  readonly hasher?: PasswordHasher;
  /** `--bcrypt-cost` (4..31, default 10); used when no hasher is given. */
  readonly bcryptCost?: number;
}

export interface UserAddRequest {
  readonly name: string;
  /** Hashed here with the store's hasher, unless hashedPassword is given. */
  readonly password?: string;
  /** A bcrypt hash made before the request was proposed (keeps hashing off the apply path). */
  readonly hashedPassword?: Uint8Array;
  /** etcd 3.4's UserAddOptions.no_password: the user can only authenticate by TLS common name. */
  readonly noPassword?: boolean;
}

/** A new password: in clear (hashed here) or already hashed. */
export type NewPassword = { readonly password: string } | { readonly hashedPassword: Uint8Array };

/**
 * etcd 3.4's auth store over the backend's auth buckets. Every mutation is synchronous, runs
 * the same on every member in apply order, and bumps the persisted auth revision (except
 * enable, which etcd does not count); nothing is committed here — the apply path commits the
 * backend with its consistent index.
 *
 * What the permission checks read (the user's root role, their merged permissions) is cached
 * per user and dropped whenever the revision changes.
 */
export class AuthStore {
  /** Opens the store; a fresh backend gets auth revision 1, as in etcd. */
  static open(backend: Backend, options: AuthStoreOptions): AuthStore {
    return new AuthStore(new AuthTables(backend), options);
  }

  readonly tokens: TokenProvider;
  private readonly hasher: PasswordHasher;
  private enabled: boolean;
  private rev: number;
  /** Per user: holds role root, else their merged permissions (built on first use). */
  private readonly permCache = new Map<string, { readonly root: boolean; perms: RangePermissions | undefined }>();

  private constructor(
    private readonly tables: AuthTables,
    options: AuthStoreOptions,
  ) {
    this.tokens = options.tokenProvider;
    this.hasher = options.hasher ?? new BcryptHasher(options.bcryptCost);
    this.enabled = tables.readEnabled();
    this.rev = tables.readRevision();
    if (this.rev === 0) this.commitRevision();
    if (this.enabled) this.tokens.enable();
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  revision(): number {
    return this.rev;
  }

  /** Re-reads state after the backend was replaced (a raft snapshot was installed). */
  recover(): void {
    const was = this.enabled;
    this.enabled = this.tables.readEnabled();
    this.rev = this.tables.readRevision();
    this.permCache.clear();
    if (was && !this.enabled) this.tokens.disable();
    if (!was && this.enabled) this.tokens.enable();
  }

  /** Turns auth on: needs user root holding role root. Enabling twice is not an error. */
  enable(): void {
    if (this.enabled) return;
    const root = this.tables.getUser(ROOT_USER);
    if (root === undefined) throw new AuthError('rootUserNotExist');
    if (!hasName(root.roles, ROOT_ROLE)) throw new AuthError('rootRoleNotExist');
    this.tables.writeEnabled(true);
    this.enabled = true;
    this.tokens.enable();
    this.permCache.clear();
    trace('enabled at revision %d', this.rev);
  }

  /** Turns auth off and drops tokens held in memory. Disabling twice is not an error. */
  disable(): void {
    if (!this.enabled) return;
    this.tables.writeEnabled(false);
    this.commitRevision();
    this.enabled = false;
    this.tokens.disable();
    trace('disabled at revision %d', this.rev);
  }

  /**
   * The check etcd makes on the member that received an Authenticate request, before
   * proposing it (bcrypt is too slow for the apply path). Resolves to the auth revision at
   * which the user was read, so the caller can retry when the revision moved before the entry
   * applied. Refusals reject. (See BcryptHasher on how much this still blocks the event loop.)
   */
  async checkPassword(name: string, password: string): Promise<number> {
    if (!this.enabled) throw new AuthError('authNotEnabled');
    const u = this.tables.getUser(name);
    if (u === undefined) throw new AuthError('authFailed');
    // A user made for certificate auth has no password to check (etcd says so, with code Unknown).
    if (u.options?.noPassword === true) throw new AuthError('noPasswordUser');
    const rev = this.rev;
    if (!(await this.hasher.verifyAsync(password, u.password))) throw new AuthError('authFailed');
    return rev;
  }

  /** A hash for a password, made off the apply path (see UserAddRequest.hashedPassword). */
  hashPassword(password: string): Promise<Buffer> {
    return this.hasher.hashAsync(password);
  }

  /**
   * The apply step of Authenticate: the password was checked before raft; this re-checks the
   * user and issues the token. Refusals throw synchronously; the token itself may resolve later
   * (a JWT is signed asynchronously), but a simple token is registered before this returns.
   */
  authenticate(name: string, at: { readonly index: number; readonly simpleTokenPrefix: string }): Promise<string> {
    if (!this.enabled) throw new AuthError('authNotEnabled');
    const u = this.tables.getUser(name);
    if (u === undefined || u.options?.noPassword === true) throw new AuthError('authFailed');
    return this.tokens.assign({ username: name, revision: this.rev, index: at.index, prefix: at.simpleTokenPrefix });
  }

  /** Who a token stands for; rejects with invalidAuthToken for anything else. */
  async authInfoFromToken(token: string): Promise<AuthInfo> {
    const info = await this.tokens.info(token, this.rev);
    if (info === undefined) throw new AuthError('invalidAuthToken');
    return info;
  }

  /** A prefix for the simple token of an Authenticate about to be proposed ('' for jwt). */
  genTokenPrefix(): string {
    return this.tokens.genPrefix();
  }

  userAdd(req: UserAddRequest): void {
    if (req.name.length === 0) throw new AuthError('userEmpty');
    if (this.tables.getUser(req.name) !== undefined) throw new AuthError('userAlreadyExist');
    const noPassword = req.noPassword === true;
    const password = noPassword ? Buffer.alloc(0) : this.passwordBytes(req);
    this.tables.putUser({ name: Buffer.from(req.name), password, roles: [], options: { noPassword } });
    this.commitRevision();
  }

  /** The user's roles, sorted. */
  userGet(name: string): string[] {
    return [...this.mustGetUser(name).roles];
  }

  /** Every user name, in byte order. */
  userList(): string[] {
    return this.tables.allUsers().map((u) => u.name.toString());
  }

  /** While auth is on, root cannot be deleted (invalidAuthMgmt). */
  userDelete(name: string): void {
    if (this.enabled && name === ROOT_USER) throw new AuthError('invalidAuthMgmt');
    this.mustGetUser(name);
    this.tables.deleteUser(name);
    this.commitRevision();
    this.tokens.invalidateUser(name);
  }

  /** Keeps roles and options (a noPassword user stays one); drops the user's simple tokens. */
  userChangePassword(name: string, next: NewPassword): void {
    const u = this.mustGetUser(name);
    const password = 'hashedPassword' in next ? Buffer.from(next.hashedPassword) : this.hasher.hash(next.password);
    this.tables.putUser({ ...u, name: Buffer.from(name), password });
    this.commitRevision();
    this.tokens.invalidateUser(name);
  }

  /** Role root may be granted before it exists; granting a held role changes nothing. */
  userGrantRole(user: string, role: string): void {
    const u = this.mustGetUser(user);
    if (role !== ROOT_ROLE && this.tables.getRole(role) === undefined) throw new AuthError('roleNotFound');
    const i = searchNames(u.roles, role);
    if (i < u.roles.length && u.roles[i] === role) {
      trace('user %s already has role %s', user, role);
      return;
    }
    this.tables.putUser({ ...u, roles: [...u.roles, role].sort(compareNames) });
    this.commitRevision();
  }

  /** While auth is on, root cannot lose role root (invalidAuthMgmt). */
  userRevokeRole(user: string, role: string): void {
    if (this.enabled && user === ROOT_USER && role === ROOT_ROLE) throw new AuthError('invalidAuthMgmt');
    const u = this.mustGetUser(user);
    const roles = u.roles.filter((r) => r !== role);
    if (roles.length === u.roles.length) throw new AuthError('roleNotGranted');
    this.tables.putUser({ ...u, roles });
    this.commitRevision();
  }

  /** etcd 3.4 refuses only an empty name, so a non-empty role name here is always fine. */
  roleAdd(name: string): void {
    if (name.length === 0) throw new AuthError('roleEmpty');
    if (this.tables.getRole(name) !== undefined) throw new AuthError('roleAlreadyExist');
    this.tables.putRole({ name: Buffer.from(name), keyPermission: [] });
    this.commitRevision();
  }

  /** The role's permissions, sorted by key. */
  roleGet(name: string): Permission[] {
    return [...this.mustGetRole(name).keyPermission];
  }

  roleList(): string[] {
    return this.tables.roleNames();
  }

  /** Also revokes the role from every user holding it. Role root is kept while auth is on. */
  roleDelete(name: string): void {
    if (this.enabled && name === ROOT_ROLE) throw new AuthError('invalidAuthMgmt');
    this.mustGetRole(name);
    this.tables.deleteRole(name);
    for (const u of this.tables.allUsers()) {
      const roles = u.roles.filter((r) => r !== name);
      if (roles.length !== u.roles.length) this.tables.putUser({ ...u, roles });
    }
    this.commitRevision();
  }

  /** Adds the permission or, for the same key and range end, changes its type. */
  roleGrantPermission(role: string, perm: { readonly permType: PermissionType; readonly key: Uint8Array; readonly rangeEnd: Uint8Array }): void {
    const r = this.mustGetRole(role);
    const p: Permission = { permType: perm.permType, key: Buffer.from(perm.key), rangeEnd: Buffer.from(perm.rangeEnd) };
    this.tables.putRole({ ...r, keyPermission: rolePermissionsWith(r.keyPermission, p) });
    this.commitRevision();
  }

  /** Removes every permission of the role with exactly this key and range end. */
  roleRevokePermission(role: string, key: Uint8Array, rangeEnd: Uint8Array): void {
    const r = this.mustGetRole(role);
    const kept = r.keyPermission.filter((p) => !p.key.equals(key) || !p.rangeEnd.equals(rangeEnd));
    if (kept.length === r.keyPermission.length) throw new AuthError('permissionNotGranted');
    this.tables.putRole({ ...r, keyPermission: kept });
    this.commitRevision();
  }

  hasRole(user: string, role: string): boolean {
    return this.tables.getUser(user)?.roles.includes(role) ?? false;
  }

  isPutPermitted(info: AuthInfo | undefined, key: Uint8Array): void {
    this.checkOp(info, 'write', key, EMPTY);
  }

  isRangePermitted(info: AuthInfo | undefined, key: Uint8Array, rangeEnd: Uint8Array): void {
    this.checkOp(info, 'read', key, rangeEnd);
  }

  isDeleteRangePermitted(info: AuthInfo | undefined, key: Uint8Array, rangeEnd: Uint8Array): void {
    this.checkOp(info, 'write', key, rangeEnd);
  }

  /** Maintenance, membership and auth management need role root (etcd does not check the revision here). */
  isAdminPermitted(info: AuthInfo | undefined): void {
    if (!this.enabled) return;
    if (info === undefined) throw new AuthError('userEmpty');
    const u = this.tables.getUser(info.username);
    if (u === undefined) throw new AuthError('userNotFound');
    if (!hasName(u.roles, ROOT_ROLE)) throw new AuthError('permissionDenied');
  }

  /**
   * etcd's order of checks: auth off allows all; revision 0 means no user (userEmpty); a token
   * older than the store's revision is refused (authOldRevision, clients re-authenticate); an
   * unknown user is denied; role root allows all; else the user's merged permissions decide.
   */
  private checkOp(info: AuthInfo | undefined, kind: 'read' | 'write', key: Uint8Array, rangeEnd: Uint8Array): void {
    if (!this.enabled) return;
    if (info === undefined || info.revision === 0) throw new AuthError('userEmpty');
    if (info.revision < this.rev) throw new AuthError('authOldRevision');
    let cached = this.permCache.get(info.username);
    if (cached === undefined) {
      const u = this.tables.getUser(info.username);
      if (u === undefined) throw new AuthError('permissionDenied');
      cached = { root: hasName(u.roles, ROOT_ROLE), perms: undefined };
      if (!cached.root) cached.perms = this.mergedPermissions(u);
      this.permCache.set(info.username, cached);
    }
    if (cached.root) return;
    if (cached.perms?.permits(kind, key, rangeEnd) !== true) throw new AuthError('permissionDenied');
  }

  /** Every change to users or roles bumps the revision, which empties the cache this fills. */
  private mergedPermissions(u: UserRecord): RangePermissions {
    const roles = u.roles.map((r) => this.tables.getRole(r)).filter((r): r is RoleRecord => r !== undefined);
    return new RangePermissions(roles.flatMap((r) => r.keyPermission));
  }

  private passwordBytes(req: UserAddRequest): Buffer {
    if (req.hashedPassword !== undefined) return Buffer.from(req.hashedPassword);
    return this.hasher.hash(req.password ?? '');
  }

  private mustGetUser(name: string): UserRecord {
    const u = this.tables.getUser(name);
    if (u === undefined) throw new AuthError('userNotFound');
    return u;
  }

  private mustGetRole(name: string): RoleRecord {
    const r = this.tables.getRole(name);
    if (r === undefined) throw new AuthError('roleNotFound');
    return r;
  }

  /** Every change: revision + 1, persisted in the same batch; cached permissions dropped. */
  private commitRevision(): void {
    this.tables.writeRevision(this.rev + 1);
    this.rev += 1;
    this.permCache.clear();
  }
}

const EMPTY = new Uint8Array(0);
