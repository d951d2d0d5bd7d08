// Auth on a real Cairn process with JWT tokens (--auth-token jwt,...): etcdctl enables auth,
// authenticates with --user (the member signs an RS256 token), and is refused without a user.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { MemberProcess } from './cluster-process.js';

describe('auth with JWT tokens against a real Cairn process', () => {
  const keys = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-jwt-'));
  let member: MemberProcess | undefined;
  after(async () => {
    await member?.destroy();
    fs.rmSync(keys, { recursive: true, force: true });
  });

  test('auth enable, --user with a signed token, refusal without one, a bad option string refused at start', async () => {
    const priv = path.join(keys, 'jwt.key');
    const pub = path.join(keys, 'jwt.pub');
    execFileSync('openssl', ['genrsa', '-out', priv, '2048'], { stdio: 'ignore' });
    execFileSync('openssl', ['rsa', '-in', priv, '-pubout', '-out', pub], { stdio: 'ignore' });
    member = await MemberProcess.start('cairn', { extraArgs: ['--auth-token', `jwt,pub-key=${pub},priv-key=${priv},sign-method=RS256,ttl=1m`, '--bcrypt-cost', '4'] });
    const m = member;
    const ok = async (args: string[]): Promise<string> => {
      const r = await m.ctl(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    await ok(['user', 'add', 'root:pw']);
    await ok(['role', 'add', 'root']);
    await ok(['user', 'grant-role', 'root', 'root']);
    assert.equal(await ok(['auth', 'enable']), 'Authentication Enabled\n');
    assert.equal(await ok(['--user', 'root:pw', 'put', 'a', '1']), 'OK\n');
    assert.equal(await ok(['--user', 'root:pw', 'get', 'a', '--print-value-only']), '1\n');
    const refused = await m.ctl(['get', 'a']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Error: etcdserver: user name is empty/);
    const wrong = await m.ctl(['--user', 'root:nope', 'get', 'a']);
    assert.match(wrong.stderr, /authentication failed, invalid user ID or password/);
    await m.stop();

    await m.restart({ noWait: true, extraArgs: ['--auth-token', 'jwt,sign-method=RS256'] });
    const exit = await m.waitExit();
    assert.equal(exit.code, 1, 'jwt without keys does not start');
    assert.match(m.stderrTail, /auth/i);
  });
});
