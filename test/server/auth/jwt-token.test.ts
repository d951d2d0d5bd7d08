import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { JwtTokenProvider, type JwtAlgorithm } from '../../../server/src/auth/index.js';
import { FakeClock, authError } from './helpers.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPriv = Buffer.from(rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }));
const rsaPub = Buffer.from(rsa.publicKey.export({ type: 'spki', format: 'pem' }));
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ecPriv = Buffer.from(ec.privateKey.export({ type: 'sec1', format: 'pem' }));
const ecPub = Buffer.from(ec.publicKey.export({ type: 'spki', format: 'pem' }));
const otherRsaPub = Buffer.from(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }));

const req = { username: 'alice', revision: 7, index: 1, prefix: '' };
const decodePart = (token: string, i: number): unknown => JSON.parse(Buffer.from(token.split('.')[i] ?? '', 'base64url').toString());

describe('JwtTokenProvider', () => {
  for (const [alg, privateKey, publicKey] of [
    ['RS256', rsaPriv, rsaPub],
    ['PS384', rsaPriv, undefined],
    ['ES256', ecPriv, ecPub],
    ['HS256', Buffer.from('a shared secret'), undefined],
  ] as const) {
    test(`${alg}: signs {exp, revision, username} and verifies it`, async () => {
      const clock = new FakeClock(1_700_000_000_500);
      const p = new JwtTokenProvider({ signMethod: alg, privateKey, ...(publicKey ? { publicKey } : {}), ttlMs: 60_000, now: clock.now });
      const token = await p.assign(req);
      assert.deepEqual(decodePart(token, 0), { alg, typ: 'JWT' });
      assert.equal(token.split('.')[1], Buffer.from('{"exp":1700000060,"revision":7,"username":"alice"}').toString('base64url'));
      assert.deepEqual(await p.info(token), { username: 'alice', revision: 7 });
      assert.equal(p.genPrefix(), '');
    });
  }

  test('an expired token is refused (injected clock)', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const p = new JwtTokenProvider({ signMethod: 'RS256', privateKey: rsaPriv, ttlMs: 60_000, now: clock.now });
    const token = await p.assign(req);
    clock.advance(59_000);
    assert.equal((await p.info(token))?.username, 'alice');
    clock.advance(2_000);
    assert.equal(await p.info(token), undefined);
  });

  test('forged tokens are refused: edited payload, other key, alg none, other algorithm', async () => {
    const clock = new FakeClock();
    const p = new JwtTokenProvider({ signMethod: 'RS256', privateKey: rsaPriv, now: clock.now });
    const token = await p.assign(req);
    const [h, , s] = token.split('.');
    const rootPayload = Buffer.from(JSON.stringify({ exp: 9e9, revision: 7, username: 'root' })).toString('base64url');
    assert.equal(await p.info(`${h}.${rootPayload}.${s}`), undefined, 'payload swapped');
    const none = Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url');
    assert.equal(await p.info(`${none}.${rootPayload}.`), undefined, 'alg none');
    const hs = new JwtTokenProvider({ signMethod: 'HS256', privateKey: rsaPub, now: clock.now });
    assert.equal(await p.info(await hs.assign({ ...req, username: 'root' })), undefined, 'HS256 keyed with the public key');
    const other = new JwtTokenProvider({ signMethod: 'RS256', privateKey: Buffer.from(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' })), now: clock.now });
    assert.equal(await p.info(await other.assign(req)), undefined, 'signed by another key');
    assert.equal(await p.info('not a token'), undefined);
  });

  test('a public key alone verifies but cannot sign', async () => {
    const clock = new FakeClock();
    const signer = new JwtTokenProvider({ signMethod: 'ES256', privateKey: ecPriv, now: clock.now });
    const verifier = new JwtTokenProvider({ signMethod: 'ES256', publicKey: ecPub, now: clock.now });
    assert.equal(verifier.verifyOnly, true);
    assert.deepEqual(await verifier.info(await signer.assign(req)), { username: 'alice', revision: 7 });
    assert.throws(() => verifier.assign(req), authError('verifyOnly'));
  });

  test('key problems: missing, mismatched, wrong type or curve, unparsable', () => {
    const mk = (signMethod: JwtAlgorithm, privateKey?: Buffer, publicKey?: Buffer) => () =>
      new JwtTokenProvider({ signMethod, ...(privateKey ? { privateKey } : {}), ...(publicKey ? { publicKey } : {}) });
    assert.throws(mk('RS256'), authError('missingKey'));
    assert.throws(mk('HS256', undefined, rsaPub), authError('missingKey'));
    assert.throws(mk('RS256', rsaPriv, otherRsaPub), authError('keyMismatch'));
    assert.throws(mk('RS256', ecPriv), authError('invalidAuthOpts'));
    assert.throws(mk('ES384', ecPriv), authError('invalidAuthOpts'));
    assert.throws(mk('RS256', Buffer.from('-----BEGIN NONSENSE-----')), authError('invalidAuthOpts'));
  });
});
