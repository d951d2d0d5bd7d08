import { randomBytes } from 'node:crypto';
import type { AssignRequest, AuthInfo, TokenProvider } from './token-provider.js';

/** etcd's default for `--auth-token-ttl`: 300 s. */
export const DEFAULT_SIMPLE_TOKEN_TTL_MS = 300_000;
const PREFIX_LENGTH = 16;
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** Expired tokens are swept at most this often (etcd's keeper checks once a second). */
const SWEEP_INTERVAL_MS = 1000;

export interface SimpleTokenOptions {
  /** How long a token lives after it was issued or last used. */
  ttlMs?: number;
  /** Milliseconds since the epoch; injected so expiry is testable without waiting. */
  now?: () => number;
  random?: (n: number) => Uint8Array;
  /**
   * Resolves once the raft entry at `index` is applied here. A token names the index of the
   * Authenticate entry that created it, and a client may present it to this member before the
   * member has applied that entry; etcd waits, and so does info() when this is given.
   */
  waitForIndex?: (index: number) => Promise<void>;
}

interface Held {
  readonly username: string;
  expiresAt: number;
}

/** The parts of a simple token, "<16 letters>.<raft index>", or undefined if it is not one. */
export function parseSimpleToken(token: string): { prefix: string; index: number } | undefined {
  const parts = token.split('.');
  if (parts.length !== 2) return undefined;
  const [prefix, digits] = parts as [string, string];
  if (!/^\d{1,16}$/.test(digits)) return undefined;
  const index = Number(digits);
  return Number.isSafeInteger(index) ? { prefix, index } : undefined;
}

/**
 * etcd's `simple` tokens: a random prefix plus the raft index, valid only on members that
 * applied the Authenticate entry (all of them, in time), held in memory, and expiring after
 * `ttlMs` without use; each successful lookup renews the lifetime. Not signed: anyone who sees
 * a token can use it until it expires.
 */
export class SimpleTokenProvider implements TokenProvider {
  readonly kind = 'simple';
  private readonly tokens = new Map<string, Held>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly random: (n: number) => Uint8Array;
  private readonly waitForIndex: ((index: number) => Promise<void>) | undefined;
  private lastSweep = -Infinity;

  constructor(options: SimpleTokenOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_SIMPLE_TOKEN_TTL_MS;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? randomBytes;
    this.waitForIndex = options.waitForIndex;
  }

  /** Tokens held now (expired ones not yet swept included). */
  get size(): number {
    return this.tokens.size;
  }

  genPrefix(): string {
    let out = '';
    while (out.length < PREFIX_LENGTH) {
      for (const b of this.random(PREFIX_LENGTH)) {
        // 208 = 4 * 52: dropping larger bytes keeps every letter equally likely.
        if (b < 208 && out.length < PREFIX_LENGTH) out += LETTERS[b % LETTERS.length];
      }
    }
    return out;
  }

  assign(req: AssignRequest): Promise<string> {
    const token = `${req.prefix}.${req.index}`;
    const now = this.now();
    this.tokens.set(token, { username: req.username, expiresAt: now + this.ttlMs });
    this.sweepIfDue(now);
    return Promise.resolve(token);
  }

  async info(token: string, currentRevision: number): Promise<AuthInfo | undefined> {
    const parsed = parseSimpleToken(token);
    if (parsed === undefined) return undefined;
    if (this.waitForIndex !== undefined) await this.waitForIndex(parsed.index);
    return this.lookup(token, currentRevision);
  }

  /** The synchronous part of info(): no waiting for the index. */
  lookup(token: string, currentRevision: number): AuthInfo | undefined {
    const held = this.tokens.get(token);
    if (held === undefined) return undefined;
    const now = this.now();
    if (now >= held.expiresAt) {
      this.tokens.delete(token);
      return undefined;
    }
    held.expiresAt = now + this.ttlMs;
    return { username: held.username, revision: currentRevision };
  }

  enable(): void {
    this.lastSweep = this.now();
  }

  disable(): void {
    this.tokens.clear();
  }

  invalidateUser(username: string): void {
    for (const [token, held] of this.tokens) {
      if (held.username === username) this.tokens.delete(token);
    }
  }

  /** Drops expired tokens (also done on assign, at most once per second). */
  sweep(): void {
    const now = this.now();
    this.lastSweep = now;
    for (const [token, held] of this.tokens) {
      if (now >= held.expiresAt) this.tokens.delete(token);
    }
  }

  private sweepIfDue(now: number): void {
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) this.sweep();
  }
}
