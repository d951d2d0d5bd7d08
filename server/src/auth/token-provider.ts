/** Who a request acts as, and the auth revision their token was issued at. */
export interface AuthInfo {
  readonly username: string;
  /** 0 means "no user" to the permission checks (etcd's convention). */
  readonly revision: number;
}

/** What the apply step of an Authenticate request knows when it asks for a token. */
export interface AssignRequest {
  readonly username: string;
  /** The auth revision at apply time. */
  readonly revision: number;
  /** The raft index of the Authenticate entry (simple tokens end with it). */
  readonly index: number;
  /**
   * The random prefix the receiving member drew with genPrefix() before proposing, carried in
   * InternalAuthenticateRequest.simple_token so that every member registers the same token.
   */
  readonly prefix: string;
}

/**
 * Issues and reads tokens. Both kinds share this shape so the store and the API never ask
 * which one is configured.
 *
 * `assign` is called from the apply step: whatever state the token needs (the simple kind's
 * table) is recorded synchronously, before the call returns; only producing the string may
 * finish later (jose signs asynchronously). `info` answers undefined for anything not a valid,
 * unexpired token.
 */
export interface TokenProvider {
  readonly kind: 'simple' | 'jwt';
  /** A fresh prefix for a simple token; '' for kinds that do not use one. */
  genPrefix(): string;
  assign(req: AssignRequest): Promise<string>;
  /** `currentRevision` is the store's revision, which simple tokens report as theirs. */
  info(token: string, currentRevision: number): Promise<AuthInfo | undefined>;
  /** Auth was turned on (also at startup when it is on). */
  enable(): void;
  /** Auth was turned off: tokens held in memory are dropped. */
  disable(): void;
  /** The user was deleted or changed password: tokens held in memory for them are dropped. */
  invalidateUser(username: string): void;
}
