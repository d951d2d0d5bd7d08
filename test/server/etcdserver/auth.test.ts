import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthError } from '../../../server/src/auth/index.js';
import { EtcdServer, NotBuiltError } from '../../../server/src/etcdserver/index.js';
import { memberConfig, started, withDir } from './helpers.js';

const cheap = { token: { type: 'simple' as const }, tokenTtlMs: 300_000, bcryptCost: 4 };

test('users and roles through raft survive a restart; enabling auth says it is not built; authenticate needs it on', async () => {
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
      const before = m.authStatus();
      await assert.rejects(m.auth({ op: 'enable' }), NotBuiltError);
      assert.deepEqual(m.authStatus(), before, 'nothing changed');
      await assert.rejects(m.authenticate('root', 'secret'), (e: unknown) => e instanceof AuthError && e.kind === 'authNotEnabled');
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
