import { readFileSync } from 'node:fs';
import { errorMessage } from '../util/index.js';
import { AuthError } from './errors.js';
import { DEFAULT_JWT_TTL_MS, JwtTokenProvider, isJwtAlgorithm, type JwtAlgorithm } from './jwt-token.js';
import { SimpleTokenProvider, type SimpleTokenOptions } from './simple-token.js';
import type { TokenProvider } from './token-provider.js';

/** What `--auth-token` says, parsed. */
export type TokenOptions =
  | { readonly type: 'simple' }
  | {
      readonly type: 'jwt';
      readonly signMethod: JwtAlgorithm;
      readonly publicKeyFile: string | undefined;
      readonly privateKeyFile: string | undefined;
      readonly ttlMs: number;
      /** Option names etcd does not know: etcd warns about them and goes on. */
      readonly unknown: readonly string[];
    };

const JWT_OPTIONS = new Set(['pub-key', 'priv-key', 'sign-method', 'ttl']);

/**
 * Parses etcd's `--auth-token` value: a type, then comma-separated name=value pairs, e.g.
 * "jwt,pub-key=/k.pub,priv-key=/k,sign-method=RS256,ttl=5m". As in etcd, a pair without
 * exactly one "=", a repeated name, an unknown type, a bad ttl or a sign method that is not
 * one of JWT_ALGORITHMS is AuthError invalidAuthOpts; options of `simple` are ignored.
 * `parseDuration` reads Go duration syntax (ms); it is the CLI's parser, passed in because
 * auth/ may not import cli/.
 */
export function parseTokenOptions(text: string, parseDuration: (s: string) => number): TokenOptions {
  const [type = '', ...pairs] = text.split(',');
  const opts = new Map<string, string>();
  for (const pair of pairs) {
    const parts = pair.split('=');
    if (parts.length !== 2) throw new AuthError('invalidAuthOpts', { detail: `option ${JSON.stringify(pair)} is not name=value` });
    const [name, value] = parts as [string, string];
    if (opts.has(name)) throw new AuthError('invalidAuthOpts', { detail: `option ${name} is given twice` });
    opts.set(name, value);
  }
  if (type === 'simple') return { type: 'simple' };
  if (type !== 'jwt') throw new AuthError('invalidAuthOpts', { detail: `unknown token type ${JSON.stringify(type)}` });
  const method = opts.get('sign-method') ?? '';
  if (!isJwtAlgorithm(method)) throw new AuthError('invalidAuthOpts', { detail: `sign-method ${JSON.stringify(method)} is not supported` });
  return {
    type: 'jwt',
    signMethod: method,
    publicKeyFile: nonEmpty(opts.get('pub-key')),
    privateKeyFile: nonEmpty(opts.get('priv-key')),
    ttlMs: parseTtl(opts.get('ttl'), parseDuration),
    unknown: [...opts.keys()].filter((k) => !JWT_OPTIONS.has(k)),
  };
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

function parseTtl(text: string | undefined, parseDuration: (s: string) => number): number {
  if (text === undefined || text === '') return DEFAULT_JWT_TTL_MS;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new AuthError('invalidAuthOpts', { detail: `ttl: ${errorMessage(err)}`, cause: err });
  }
  if (!(ms > 0)) throw new AuthError('invalidAuthOpts', { detail: `ttl ${JSON.stringify(text)} must be positive` });
  return ms;
}

export interface TokenProviderDeps {
  /** `--auth-token-ttl`, for simple tokens. */
  readonly simpleTtlMs?: number;
  readonly now?: () => number;
  readonly waitForIndex?: SimpleTokenOptions['waitForIndex'];
  readonly readFile?: (path: string) => Uint8Array;
}

/**
 * The provider `options` describe. Key files are read now, so a missing or unreadable file
 * stops startup with invalidAuthOpts (etcd's result too), and key problems with missingKey or
 * keyMismatch.
 */
export function createTokenProvider(options: TokenOptions, deps: TokenProviderDeps = {}): TokenProvider {
  switch (options.type) {
    case 'simple':
      return new SimpleTokenProvider({
        ...(deps.simpleTtlMs !== undefined ? { ttlMs: deps.simpleTtlMs } : {}),
        ...(deps.now !== undefined ? { now: deps.now } : {}),
        ...(deps.waitForIndex !== undefined ? { waitForIndex: deps.waitForIndex } : {}),
      });
    case 'jwt': {
      const read = deps.readFile ?? readFileSync;
      return new JwtTokenProvider({
        signMethod: options.signMethod,
        ttlMs: options.ttlMs,
        ...(options.privateKeyFile !== undefined ? { privateKey: readKeyFile(read, options.privateKeyFile) } : {}),
        ...(options.publicKeyFile !== undefined ? { publicKey: readKeyFile(read, options.publicKeyFile) } : {}),
        ...(deps.now !== undefined ? { now: deps.now } : {}),
      });
    }
  }
}

function readKeyFile(read: (path: string) => Uint8Array, path: string): Uint8Array {
  try {
    return read(path);
  } catch (err) {
    throw new AuthError('invalidAuthOpts', { detail: `cannot read ${path}: ${errorMessage(err)}`, cause: err });
  }
}
