import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthError } from '../../../server/src/auth/index.js';
import type { EtcdServer } from '../../../server/src/etcdserver/index.js';
import { memberConfig, started, withDir } from './helpers.js';

const cheap = { token: { type: 'simple' as const }, tokenTtlMs: 300_000, bcryptCost: 4 };

test('users and roles through raft survive a restart; with auth on, tokens name users and requests are checked', async () => {
  await withDir(async (dir) => {
    const cfg = { ...memberConfig(dir), auth: cheap };
    let m: EtcdServer = await started(cfg);
    try {
      const hashed = await m.hashPassword('secret');
      assert.match(hashed, /^\$2[aby]\$04\$/, 'a bcrypt hash at the configured cost');
      await m.auth({ op: 'userAdd', name: 'root', hashedPassword: hashed, noPassword: false });
      await m.auth({ op: 'roleAdd', name: 'root' });
      await m.auth({ op: 'roleAdd', name: 'reader' });
      await m.auth({ op: 'roleGrantPermission', name: 'reader', permType: 'READ', key: Buffer.from('k'), rangeEnd: Buffer.from('l') });
      await m.auth({ op: 'userGrantRole', user: 'root', role: 'root' });
      await m.auth({ op: 'userGrantRole', user: 'root', role: 'reader' });
      await assert.rejects(m.auth({ op: 'userAdd', name: 'root', hashedPassword: hashed, noPassword: false }), (e: unknown) => e instanceof AuthError && e.kind === 'userAlreadyExist');
      await assert.rejects(m.authenticate('root', 'secret'), (e: unknown) => e instanceof AuthError && e.kind === 'authNotEnabled');
      await m.auth({ op: 'userAdd', name: 'bob', hashedPassword: await m.hashPassword('pw'), noPassword: false });
      await m.auth({ op: 'userGrantRole', user: 'bob', role: 'reader' });
      await m.put({ key: Buffer.from('k1'), value: Buffer.from('v') });
      await m.auth({ op: 'enable' });
      assert.equal(m.authStatus().enabled, true);
      const denied = (kind: string) => (e: unknown): boolean => e instanceof AuthError && e.kind === kind;
      await assert.rejects(m.put({ key: Buffer.from('k1'), value: Buffer.from('x') }), denied('userEmpty'), 'no user: refused before raft');
      await assert.rejects(m.authenticate('bob', 'wrong'), denied('authFailed'));
      const bob = await m.userOf((await m.authenticate('bob', 'pw')).token);
      const root = await m.userOf((await m.authenticate('root', 'secret')).token);
      assert.equal(bob?.username, 'bob');
      await assert.rejects(m.userOf('forged.7'), denied('invalidAuthToken'));
      assert.equal((await m.range({ key: Buffer.from('k1') }, bob)).kvs.length, 1, 'bob reads k..l');
      await assert.rejects(m.put({ key: Buffer.from('k1'), value: Buffer.from('x') }, bob), denied('permissionDenied'), 'checked when applied');
      await assert.rejects(m.range({ key: Buffer.from('z') }, bob), denied('permissionDenied'));
      await assert.rejects(m.auth({ op: 'userList' }, bob), denied('permissionDenied'));
      await m.put({ key: Buffer.from('k1'), value: Buffer.from('by root') }, root);
      await m.auth({ op: 'roleRevokePermission', role: 'reader', key: Buffer.from('k'), rangeEnd: Buffer.from('l') }, root);
      await assert.rejects(m.range({ key: Buffer.from('k1') }, bob), denied('authOldRevision'), 'a token from before the change');
      const bobAgain = await m.userOf((await m.authenticate('bob', 'pw')).token);
      await assert.rejects(m.range({ key: Buffer.from('k1') }, bobAgain), denied('permissionDenied'), 'the revoke is honoured');
      await m.auth({ op: 'roleGrantPermission', name: 'reader', permType: 'READ', key: Buffer.from('k'), rangeEnd: Buffer.from('l') }, root);
      await m.auth({ op: 'disable' }, await m.userOf((await m.authenticate('root', 'secret')).token));
      await m.stop();
      m = await started(cfg);
      assert.deepEqual((await m.auth({ op: 'userGet', name: 'root' })).result.roles, ['reader', 'root']);
      const perms = (await m.auth({ op: 'roleGet', role: 'reader' })).result.perms ?? [];
      assert.deepEqual(perms.map((p) => [p.permType, p.key.toString(), p.rangeEnd.toString()]), [[0, 'k', 'l']]);
      assert.deepEqual((await m.auth({ op: 'roleList' })).result.roles, ['reader', 'root']);
    } finally {
      await m.stop();
    }
  });
});

test('a write proposed while auth was off but applied after auth enable is refused, as etcd refuses it', async () => {
  await withDir(async (dir) => {
    const m = await started({ ...memberConfig(dir), auth: cheap });
    try {
      await m.auth({ op: 'userAdd', name: 'root', hashedPassword: await m.hashPassword('pw'), noPassword: false });
      await m.auth({ op: 'roleAdd', name: 'root' });
      await m.auth({ op: 'userGrantRole', user: 'root', role: 'root' });
      const hashed = await m.hashPassword('pw');
      // All proposed in the same turn, in this order: the put and the user add pass the check
      // before raft (auth is still off) and reach the apply after the enable.
      const enabling = m.auth({ op: 'enable' });
      const racing = m.put({ key: Buffer.from('raced'), value: Buffer.from('v') });
      const userAdd = m.auth({ op: 'userAdd', name: 'late', hashedPassword: hashed, noPassword: false });
      await enabling;
      await assert.rejects(racing, (e: unknown) => e instanceof AuthError && e.kind === 'userEmpty');
      await assert.rejects(userAdd, (e: unknown) => e instanceof AuthError && e.kind === 'userEmpty');
      const root = await m.userOf((await m.authenticate('root', 'pw')).token);
      assert.equal((await m.range({ key: Buffer.from('raced') }, root)).kvs.length, 0, 'nothing was written');
      await assert.rejects(m.auth({ op: 'userGet', name: 'late' }, root), (e: unknown) => e instanceof AuthError && e.kind === 'userNotFound');
    } finally {
      await m.stop();
    }
  });
});
