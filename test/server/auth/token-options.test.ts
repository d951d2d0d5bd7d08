import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { DEFAULT_JWT_TTL_MS, JwtTokenProvider, SimpleTokenProvider, createTokenProvider, parseTokenOptions } from '../../../server/src/auth/index.js';
import { parseGoDuration } from '../../../server/src/cli/duration.js';
import { authError } from './helpers.js';

const parse = (s: string) => parseTokenOptions(s, parseGoDuration);

describe('--auth-token options', () => {
  test('simple, with any options ignored', () => {
    assert.deepEqual(parse('simple'), { type: 'simple' });
    assert.deepEqual(parse('simple,foo=bar'), { type: 'simple' });
  });

  test("etcd's jwt example", () => {
    assert.deepEqual(parse('jwt,pub-key=/k.pub,priv-key=/k,sign-method=RS256,ttl=5m'), {
      type: 'jwt',
      signMethod: 'RS256',
      publicKeyFile: '/k.pub',
      privateKeyFile: '/k',
      ttlMs: 300_000,
      unknown: [],
    });
    const j = parse('jwt,sign-method=ES384,priv-key=/k,colour=blue');
    assert.ok(j.type === 'jwt');
    assert.equal(j.ttlMs, DEFAULT_JWT_TTL_MS);
    assert.deepEqual(j.unknown, ['colour']);
    assert.equal(j.publicKeyFile, undefined);
  });

  test('refused as invalidAuthOpts', () => {
    for (const bad of ['', 'oauth', 'jwt', 'jwt,sign-method=none', 'jwt,sign-method=RS256,ttl=5', 'jwt,sign-method=RS256,ttl=-1s', 'jwt,sign-method=RS256,priv-key', 'jwt,sign-method=RS256,a=b=c', 'jwt,sign-method=RS256,sign-method=RS256']) {
      assert.throws(() => parse(bad), authError('invalidAuthOpts'), bad);
    }
  });

  test('createTokenProvider reads key files now; an unreadable file is invalidAuthOpts', async () => {
    const pem = Buffer.from(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const files = new Map([['/k', pem]]);
    const readFile = (p: string): Uint8Array => {
      const f = files.get(p);
      if (f === undefined) throw new Error(`ENOENT: ${p}`);
      return f;
    };
    const jwt = createTokenProvider(parse('jwt,priv-key=/k,sign-method=RS256,ttl=1m'), { readFile });
    assert.ok(jwt instanceof JwtTokenProvider);
    assert.equal(jwt.ttlMs, 60_000);
    assert.equal((await jwt.info(await jwt.assign({ username: 'u', revision: 2, index: 0, prefix: '' })))?.revision, 2);
    assert.throws(() => createTokenProvider(parse('jwt,priv-key=/missing,sign-method=RS256'), { readFile }), authError('invalidAuthOpts'));
    assert.ok(createTokenProvider(parse('simple'), { simpleTtlMs: 1000 }) instanceof SimpleTokenProvider);
  });
});
