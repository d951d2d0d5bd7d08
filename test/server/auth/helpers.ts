import { Backend } from '../../../server/src/backend/index.js';
import { AuthError, AuthStore, BcryptHasher, SimpleTokenProvider, type AuthErrorKind, type TokenProvider } from '../../../server/src/auth/index.js';
import { tempDb } from '../backend/helpers.js';

/** A clock that moves only when the test says so. */
export class FakeClock {
  constructor(public t = 1_700_000_000_000) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** bcrypt's lowest cost: the tests check behaviour, not hashing strength. */
export const fastHasher = new BcryptHasher(4);

/** An auth store on a fresh backend file, reopenable from that file. */
export class AuthFixture {
  static create(tokens?: (clock: FakeClock) => TokenProvider): AuthFixture {
    const t = tempDb();
    return new AuthFixture(t.path, t.cleanup, tokens ?? ((clock) => new SimpleTokenProvider({ now: clock.now, ttlMs: 10_000 })));
  }

  readonly clock = new FakeClock();
  backend: Backend;
  store: AuthStore;

  private constructor(
    readonly path: string,
    private readonly cleanup: () => void,
    private readonly makeTokens: (clock: FakeClock) => TokenProvider,
  ) {
    this.backend = openBackend(path);
    this.store = this.open();
  }

  /** Commits, closes and reopens backend and store from the file. */
  async reopen(): Promise<void> {
    await this.backend.close();
    this.backend = openBackend(this.path);
    this.store = this.open();
  }

  async close(): Promise<void> {
    await this.backend.close();
    this.cleanup();
  }

  /** Adds user root with role root (what etcdctl does before `auth enable`). */
  addRoot(password = 'rootpw'): void {
    this.store.userAdd({ name: 'root', password });
    this.store.userGrantRole('root', 'root');
  }

  private open(): AuthStore {
    return AuthStore.open(this.backend, { tokenProvider: this.makeTokens(this.clock), hasher: fastHasher });
  }
}

function openBackend(path: string): Backend {
  return Backend.open(path, { batchIntervalMs: 3_600_000, batchLimit: 1e9 });
}

/** Runs fn on a fresh fixture and cleans up. */
export async function withAuth(fn: (f: AuthFixture) => Promise<void> | void, tokens?: (clock: FakeClock) => TokenProvider): Promise<void> {
  const f = AuthFixture.create(tokens);
  try {
    await fn(f);
  } finally {
    await f.close();
  }
}

/** An assert.throws matcher for an AuthError of one kind. */
export function authError(kind: AuthErrorKind): (err: unknown) => boolean {
  return (err) => err instanceof AuthError && err.kind === kind;
}

export const b = (s: string): Buffer => Buffer.from(s);
