import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { errorMessage } from '../util/index.js';
import { AuthError } from './errors.js';
import type { AssignRequest, AuthInfo, TokenProvider } from './token-provider.js';

/** The signing methods etcd 3.4 accepts for `--auth-token jwt,sign-method=...`. */
export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export function isJwtAlgorithm(s: string): s is JwtAlgorithm {
  return (JWT_ALGORITHMS as readonly string[]).includes(s);
}

/** etcd's default lifetime of a JWT (`ttl=` option): 5 minutes. */
export const DEFAULT_JWT_TTL_MS = 5 * 60_000;

const EC_CURVES: Readonly<Record<string, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

export interface JwtOptions {
  readonly signMethod: JwtAlgorithm;
  /** PEM (RSA or EC, any of Node's encodings), or for HS* the raw secret bytes. */
  readonly privateKey?: Uint8Array;
  /** PEM; with no private key the provider only verifies. Ignored for HS*. */
  readonly publicKey?: Uint8Array;
  readonly ttlMs?: number;
  /** Milliseconds since the epoch; injected so expiry is testable. */
  readonly now?: () => number;
}

interface Keys {
  readonly sign: KeyObject | Uint8Array | undefined;
  readonly verify: KeyObject | Uint8Array;
}

/**
 * etcd's `jwt` tokens: signed claims {username, revision, exp}, verifiable by any member with
 * the key and nothing held in memory. The header and payload are serialized as etcd's JWT
 * library does ({"alg","typ"}; claims in key order), so with a deterministic method (HS*, RS*)
 * and the same key and clock second a token is byte-identical to etcd's.
 */
export class JwtTokenProvider implements TokenProvider {
  readonly kind = 'jwt';
  readonly signMethod: JwtAlgorithm;
  readonly ttlMs: number;
  private readonly keys: Keys;
  private readonly now: () => number;

  constructor(options: JwtOptions) {
    this.signMethod = options.signMethod;
    this.ttlMs = options.ttlMs ?? DEFAULT_JWT_TTL_MS;
    this.now = options.now ?? Date.now;
    this.keys = loadKeys(options);
  }

  /** True when only a public key was given: tokens are checked, never issued. */
  get verifyOnly(): boolean {
    return this.keys.sign === undefined;
  }

  genPrefix(): string {
    return '';
  }

  /** Throws (synchronously) AuthError verifyOnly when there is no signing key. */
  assign(req: AssignRequest): Promise<string> {
    const key = this.keys.sign;
    if (key === undefined) throw new AuthError('verifyOnly');
    const exp = Math.floor((this.now() + this.ttlMs) / 1000);
    return new SignJWT({ exp, revision: req.revision, username: req.username })
      .setProtectedHeader({ alg: this.signMethod, typ: 'JWT' })
      .sign(key);
  }

  async info(token: string): Promise<AuthInfo | undefined> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.keys.verify, {
        algorithms: [this.signMethod],
        currentDate: new Date(this.now()),
        requiredClaims: ['exp'],
      }));
    } catch {
      return undefined;
    }
    const { username, revision } = payload;
    if (typeof username !== 'string' || typeof revision !== 'number') return undefined;
    if (!Number.isSafeInteger(revision) || revision < 0) return undefined;
    return { username, revision };
  }

  enable(): void {}

  disable(): void {}

  invalidateUser(): void {}
}

function loadKeys(o: JwtOptions): Keys {
  if (o.signMethod.startsWith('HS')) {
    if (o.privateKey === undefined || o.privateKey.length === 0) throw new AuthError('missingKey');
    const secret = Uint8Array.from(o.privateKey);
    return { sign: secret, verify: secret };
  }
  const want = o.signMethod.startsWith('ES') ? 'ec' : 'rsa';
  const priv = o.privateKey !== undefined && o.privateKey.length > 0 ? parseKey(o.privateKey, 'private', want, o.signMethod) : undefined;
  const pub = o.publicKey !== undefined && o.publicKey.length > 0 ? parseKey(o.publicKey, 'public', want, o.signMethod) : undefined;
  if (priv === undefined) {
    if (pub === undefined) throw new AuthError('missingKey');
    return { sign: undefined, verify: pub };
  }
  const derived = createPublicKey(priv);
  if (pub !== undefined && !spki(pub).equals(spki(derived))) throw new AuthError('keyMismatch');
  return { sign: priv, verify: derived };
}

function parseKey(pem: Uint8Array, which: 'private' | 'public', want: 'ec' | 'rsa', alg: JwtAlgorithm): KeyObject {
  let key: KeyObject;
  try {
    key = which === 'private' ? createPrivateKey(Buffer.from(pem)) : createPublicKey(Buffer.from(pem));
  } catch (err) {
    throw new AuthError('invalidAuthOpts', { detail: `cannot parse the ${which} key: ${errorMessage(err)}`, cause: err });
  }
  if (key.asymmetricKeyType !== want) {
    throw new AuthError('invalidAuthOpts', { detail: `the ${which} key is ${key.asymmetricKeyType ?? 'unknown'}, ${alg} needs ${want}` });
  }
  const curve = EC_CURVES[alg];
  if (curve !== undefined && key.asymmetricKeyDetails?.namedCurve !== curve) {
    throw new AuthError('invalidAuthOpts', { detail: `${alg} needs an EC key on ${curve}` });
  }
  return key;
}

function spki(k: KeyObject): Buffer {
  return k.export({ type: 'spki', format: 'der' });
}
