import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PermType } from '../../../server/src/auth/index.js';
import { authError, b, withAuth } from './helpers.js';

describe('AuthStore: enable and disable', () => {
  test('a fresh store is off at revision 1', () =>
    withAuth((f) => {
      assert.equal(f.store.isEnabled(), false);
      assert.equal(f.store.revision(), 1);
    }));

  test('enable needs user root, then role root on it; root role need not exist as a role', () =>
    withAuth((f) => {
      assert.throws(() => f.store.enable(), authError('rootUserNotExist'));
      f.store.userAdd({ name: 'root', password: 'pw' });
      assert.throws(() => f.store.enable(), authError('rootRoleNotExist'));
      f.store.userGrantRole('root', 'root');
      assert.deepEqual(f.store.roleList(), []);
      f.store.enable();
      assert.equal(f.store.isEnabled(), true);
    }));

  test('enable does not bump the revision; disable does; repeating either is a no-op', () =>
    withAuth((f) => {
      f.addRoot();
      const r = f.store.revision();
      f.store.enable();
      f.store.enable();
      assert.equal(f.store.revision(), r);
      f.store.disable();
      assert.equal(f.store.revision(), r + 1);
      f.store.disable();
      assert.equal(f.store.revision(), r + 1);
      assert.equal(f.store.isEnabled(), false);
    }));
});

describe('AuthStore: users', () => {
  test('userAdd refuses an empty name and a duplicate, bumps the revision once per user', () =>
    withAuth((f) => {
      assert.throws(() => f.store.userAdd({ name: '', password: 'x' }), authError('userEmpty'));
      f.store.userAdd({ name: 'alice', password: 'x' });
      assert.equal(f.store.revision(), 2);
      assert.throws(() => f.store.userAdd({ name: 'alice', password: 'y' }), authError('userAlreadyExist'));
      assert.equal(f.store.revision(), 2);
    }));

  test('userGet returns sorted roles; unknown users are userNotFound', () =>
    withAuth((f) => {
      f.store.userAdd({ name: 'u', password: 'x' });
      for (const r of ['zeta', 'alpha', 'mid']) {
        f.store.roleAdd(r);
        f.store.userGrantRole('u', r);
      }
      assert.deepEqual(f.store.userGet('u'), ['alpha', 'mid', 'zeta']);
      assert.throws(() => f.store.userGet('nobody'), authError('userNotFound'));
    }));

  test('userList is in byte order (UTF-8), not UTF-16 order', () =>
    withAuth((f) => {
      // U+FF5E (ef bd 9e) sorts after U+1F600 (f0 9f 98 80) in UTF-16 units, before it in bytes.
      for (const n of ['b', '\u{1F600}', 'a', '\uFF5E']) f.store.userAdd({ name: n, password: 'x' });
      assert.deepEqual(f.store.userList(), ['a', 'b', '\uFF5E', '\u{1F600}']);
    }));

  test('userDelete: unknown user; root is kept while auth is on, deletable when off', () =>
    withAuth((f) => {
      assert.throws(() => f.store.userDelete('ghost'), authError('userNotFound'));
      f.addRoot();
      f.store.enable();
      assert.throws(() => f.store.userDelete('root'), authError('invalidAuthMgmt'));
      f.store.disable();
      f.store.userDelete('root');
      assert.deepEqual(f.store.userList(), []);
    }));

  test('userChangePassword: new password works, old fails, roles and options kept', () =>
    withAuth(async (f) => {
      assert.throws(() => f.store.userChangePassword('ghost', { password: 'x' }), authError('userNotFound'));
      f.addRoot('old');
      f.store.enable();
      f.store.userChangePassword('root', { password: 'new' });
      await assert.rejects(f.store.checkPassword('root', 'old'), authError('authFailed'));
      assert.equal(await f.store.checkPassword('root', 'new'), f.store.revision());
      assert.deepEqual(f.store.userGet('root'), ['root']);
    }));

  test('userGrantRole: unknown user or role; a held role changes nothing', () =>
    withAuth((f) => {
      f.store.userAdd({ name: 'u', password: 'x' });
      assert.throws(() => f.store.userGrantRole('ghost', 'r'), authError('userNotFound'));
      assert.throws(() => f.store.userGrantRole('u', 'r'), authError('roleNotFound'));
      assert.throws(() => f.store.userGrantRole('u', ''), authError('roleNotFound'));
      f.store.roleAdd('r');
      f.store.userGrantRole('u', 'r');
      const rev = f.store.revision();
      f.store.userGrantRole('u', 'r');
      assert.equal(f.store.revision(), rev);
      assert.deepEqual(f.store.userGet('u'), ['r']);
    }));

  test('userRevokeRole: not granted; root keeps role root while auth is on', () =>
    withAuth((f) => {
      f.addRoot();
      f.store.roleAdd('r');
      assert.throws(() => f.store.userRevokeRole('ghost', 'r'), authError('userNotFound'));
      assert.throws(() => f.store.userRevokeRole('root', 'r'), authError('roleNotGranted'));
      f.store.userGrantRole('root', 'r');
      f.store.userRevokeRole('root', 'r');
      assert.deepEqual(f.store.userGet('root'), ['root']);
      f.store.enable();
      assert.throws(() => f.store.userRevokeRole('root', 'root'), authError('invalidAuthMgmt'));
      f.store.disable();
      f.store.userRevokeRole('root', 'root');
      assert.deepEqual(f.store.userGet('root'), []);
    }));

  test('hasRole', () =>
    withAuth((f) => {
      f.addRoot();
      assert.equal(f.store.hasRole('root', 'root'), true);
      assert.equal(f.store.hasRole('root', 'other'), false);
      assert.equal(f.store.hasRole('ghost', 'root'), false);
    }));
});

describe('AuthStore: roles', () => {
  test('roleAdd refuses an empty name and a duplicate; roleList is sorted', () =>
    withAuth((f) => {
      assert.throws(() => f.store.roleAdd(''), authError('roleEmpty'));
      f.store.roleAdd('b');
      f.store.roleAdd('a');
      assert.throws(() => f.store.roleAdd('a'), authError('roleAlreadyExist'));
      assert.deepEqual(f.store.roleList(), ['a', 'b']);
      assert.deepEqual(f.store.roleGet('a'), []);
      assert.throws(() => f.store.roleGet('c'), authError('roleNotFound'));
    }));

  test('roleDelete revokes the role from every user; role root is kept while auth is on', () =>
    withAuth((f) => {
      assert.throws(() => f.store.roleDelete('ghost'), authError('roleNotFound'));
      f.addRoot();
      f.store.roleAdd('root');
      f.store.roleAdd('r');
      f.store.userAdd({ name: 'u', password: 'x' });
      f.store.userGrantRole('u', 'r');
      f.store.userGrantRole('root', 'r');
      const rev = f.store.revision();
      f.store.roleDelete('r');
      assert.equal(f.store.revision(), rev + 1, 'one revision for the whole delete');
      assert.deepEqual(f.store.userGet('u'), []);
      assert.deepEqual(f.store.userGet('root'), ['root']);
      f.store.enable();
      assert.throws(() => f.store.roleDelete('root'), authError('invalidAuthMgmt'));
    }));

  test('roleGrantPermission keeps permissions sorted by key and updates the type of an equal one', () =>
    withAuth((f) => {
      assert.throws(() => f.store.roleGrantPermission('ghost', { permType: PermType.READ, key: b('a'), rangeEnd: b('') }), authError('roleNotFound'));
      f.store.roleAdd('r');
      f.store.roleGrantPermission('r', { permType: PermType.READ, key: b('m'), rangeEnd: b('') });
      f.store.roleGrantPermission('r', { permType: PermType.WRITE, key: b('c'), rangeEnd: b('d') });
      f.store.roleGrantPermission('r', { permType: PermType.READWRITE, key: b('m'), rangeEnd: b('') });
      const perms = f.store.roleGet('r').map((p) => [p.permType, p.key.toString(), p.rangeEnd.toString()]);
      assert.deepEqual(perms, [
        [PermType.WRITE, 'c', 'd'],
        [PermType.READWRITE, 'm', ''],
      ]);
    }));

  test('roleGrantPermission: same key, other range end, is a second permission (after the first)', () =>
    withAuth((f) => {
      f.store.roleAdd('r');
      f.store.roleGrantPermission('r', { permType: PermType.READ, key: b('k'), rangeEnd: b('') });
      f.store.roleGrantPermission('r', { permType: PermType.READ, key: b('k'), rangeEnd: b('l') });
      f.store.roleGrantPermission('r', { permType: PermType.READ, key: b('a'), rangeEnd: b('') });
      assert.deepEqual(
        f.store.roleGet('r').map((p) => `${p.key.toString()}-${p.rangeEnd.toString()}`),
        ['a-', 'k-', 'k-l'],
      );
      // etcd's merge looks at the first permission with key >= "k" only: granting k-l again
      // appends a duplicate, as etcd 3.4 does.
      f.store.roleGrantPermission('r', { permType: PermType.WRITE, key: b('k'), rangeEnd: b('l') });
      assert.equal(f.store.roleGet('r').length, 4);
    }));

  test('roleRevokePermission removes exactly key + range end', () =>
    withAuth((f) => {
      f.store.roleAdd('r');
      assert.throws(() => f.store.roleRevokePermission('ghost', b('k'), b('')), authError('roleNotFound'));
      f.store.roleGrantPermission('r', { permType: PermType.READ, key: b('k'), rangeEnd: b('') });
      f.store.roleGrantPermission('r', { permType: PermType.READ, key: b('k'), rangeEnd: b('l') });
      assert.throws(() => f.store.roleRevokePermission('r', b('k'), b('m')), authError('permissionNotGranted'));
      f.store.roleRevokePermission('r', b('k'), b(''));
      assert.deepEqual(f.store.roleGet('r').map((p) => p.rangeEnd.toString()), ['l']);
    }));
});

describe('AuthStore: passwords and tokens', () => {
  test('checkPassword: auth off, unknown user, wrong password, no-password user', () =>
    withAuth(async (f) => {
      f.addRoot('pw');
      f.store.userAdd({ name: 'cert-only', noPassword: true });
      await assert.rejects(f.store.checkPassword('root', 'pw'), authError('authNotEnabled'));
      f.store.enable();
      await assert.rejects(f.store.checkPassword('ghost', 'pw'), authError('authFailed'));
      await assert.rejects(f.store.checkPassword('root', 'nope'), authError('authFailed'));
      // etcd's own words for a password given to a certificate-only user (code Unknown).
      await assert.rejects(f.store.checkPassword('cert-only', ''), authError('noPasswordUser'));
      assert.equal(await f.store.checkPassword('root', 'pw'), f.store.revision());
    }));

  test('userAdd accepts a hash made before raft', () =>
    withAuth(async (f) => {
      f.addRoot();
      const hashed = await f.store.hashPassword('secret');
      assert.match(hashed.toString(), /^\$2a\$04\$/);
      f.store.userAdd({ name: 'h', hashedPassword: hashed });
      f.store.enable();
      assert.equal(await f.store.checkPassword('h', 'secret'), f.store.revision());
      await assert.rejects(f.store.checkPassword('h', 'whatever'), authError('authFailed'));
    }));

  test('authenticate issues "<prefix>.<index>"; the token names the user at the current revision', async () =>
    withAuth(async (f) => {
      f.addRoot();
      assert.throws(() => f.store.authenticate('root', { index: 7, simpleTokenPrefix: 'p' }), authError('authNotEnabled'));
      f.store.enable();
      f.store.userAdd({ name: 'cert-only', noPassword: true });
      assert.throws(() => f.store.authenticate('ghost', { index: 7, simpleTokenPrefix: 'p' }), authError('authFailed'));
      assert.throws(() => f.store.authenticate('cert-only', { index: 7, simpleTokenPrefix: 'p' }), authError('authFailed'));
      const prefix = f.store.genTokenPrefix();
      assert.match(prefix, /^[a-zA-Z]{16}$/);
      const token = await f.store.authenticate('root', { index: 42, simpleTokenPrefix: prefix });
      assert.equal(token, `${prefix}.42`);
      assert.deepEqual(await f.store.authInfoFromToken(token), { username: 'root', revision: f.store.revision() });
      await assert.rejects(f.store.authInfoFromToken(`${prefix}.43`), authError('invalidAuthToken'));
    }));

  test('deleting a user, changing a password and disabling auth drop simple tokens', async () =>
    withAuth(async (f) => {
      f.addRoot();
      f.store.userAdd({ name: 'u', password: 'x' });
      f.store.enable();
      const issue = (name: string, index: number): Promise<string> => f.store.authenticate(name, { index, simpleTokenPrefix: 'abc' });
      const t1 = await issue('u', 1);
      const t2 = await issue('root', 2);
      f.store.userChangePassword('u', { password: 'y' });
      await assert.rejects(f.store.authInfoFromToken(t1), authError('invalidAuthToken'));
      assert.equal((await f.store.authInfoFromToken(t2)).username, 'root');
      const t3 = await issue('u', 3);
      f.store.userDelete('u');
      await assert.rejects(f.store.authInfoFromToken(t3), authError('invalidAuthToken'));
      f.store.disable();
      await assert.rejects(f.store.authInfoFromToken(t2), authError('invalidAuthToken'));
    }));
});

describe('AuthStore: admin and request checks', () => {
  test('auth off: every check passes, even without a user', () =>
    withAuth((f) => {
      f.store.isPutPermitted(undefined, b('k'));
      f.store.isRangePermitted(undefined, b('a'), b('z'));
      f.store.isDeleteRangePermitted(undefined, b('a'), b('\0'));
      f.store.isAdminPermitted(undefined);
    }));

  test('auth on: no user, revision 0, stale revision, unknown user', () =>
    withAuth((f) => {
      f.addRoot();
      f.store.enable();
      const rev = f.store.revision();
      assert.throws(() => f.store.isPutPermitted(undefined, b('k')), authError('userEmpty'));
      assert.throws(() => f.store.isPutPermitted({ username: 'root', revision: 0 }, b('k')), authError('userEmpty'));
      assert.throws(() => f.store.isRangePermitted({ username: 'root', revision: rev - 1 }, b('k'), b('')), authError('authOldRevision'));
      assert.throws(() => f.store.isRangePermitted({ username: 'ghost', revision: rev }, b('k'), b('')), authError('permissionDenied'));
      f.store.isDeleteRangePermitted({ username: 'root', revision: rev }, b('\0'), b('\0'));
    }));

  test('isAdminPermitted: root only; unknown user is userNotFound; revision not checked', () =>
    withAuth((f) => {
      f.addRoot();
      f.store.userAdd({ name: 'u', password: 'x' });
      f.store.enable();
      assert.throws(() => f.store.isAdminPermitted(undefined), authError('userEmpty'));
      assert.throws(() => f.store.isAdminPermitted({ username: 'ghost', revision: 9 }), authError('userNotFound'));
      assert.throws(() => f.store.isAdminPermitted({ username: 'u', revision: f.store.revision() }), authError('permissionDenied'));
      f.store.isAdminPermitted({ username: 'root', revision: 1 });
    }));
});
