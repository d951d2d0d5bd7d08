import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Bucket } from '../../../server/src/backend/index.js';
import {
  AuthCorruptError,
  ENABLED_KEY,
  PermType,
  REVISION_KEY,
  decodeRevision,
  decodeRole,
  decodeUser,
  encodeRevision,
  encodeRole,
  encodeUser,
} from '../../../server/src/auth/index.js';
import { authError, b, withAuth } from './helpers.js';

const hex = (u: Uint8Array | undefined): string => Buffer.from(u ?? []).toString('hex');
const str = (s: string): string => Buffer.from(s).toString('hex');

describe('authpb records are byte-equal to etcd (gogo-protobuf) encodings', () => {
  test('a user added by userAdd: name, hash, sorted roles, empty options message', () =>
    withAuth((f) => {
      f.store.userAdd({ name: 'root', password: 'pw' });
      f.store.roleAdd('b');
      f.store.userGrantRole('root', 'root');
      f.store.userGrantRole('root', 'b');
      const raw = f.backend.get(Bucket.authUsers, b('root'));
      const u = decodeUser(raw as Buffer, b('root'));
      assert.match(u.password.toString(), /^\$2a\$04\$/);
      assert.equal(u.password.length, 60);
      const want = '0a04' + str('root') + '123c' + hex(u.password) + '1a01' + str('b') + '1a04' + str('root') + '2200';
      assert.equal(hex(raw), want);
    }));

  test('a no-password user: no password field, options {no_password: true}', () =>
    withAuth((f) => {
      f.store.userAdd({ name: 'u', noPassword: true });
      assert.equal(hex(f.backend.get(Bucket.authUsers, b('u'))), '0a01' + str('u') + '22020801');
    }));

  test('a user written by an older etcd (no options) round-trips unchanged', () => {
    const old = Buffer.from('0a01' + str('o') + '1203' + str('xyz') + '1a01' + str('a') + '1a01' + str('b'), 'hex');
    const u = decodeUser(old, b('o'));
    assert.equal(u.options, undefined);
    assert.deepEqual(u.roles, ['a', 'b']);
    assert.equal(hex(encodeUser(u)), hex(old));
  });

  test('a role: READ type and empty range ends omitted, permissions sorted by key', () =>
    withAuth((f) => {
      f.store.roleAdd('r');
      f.store.roleGrantPermission('r', { permType: PermType.READWRITE, key: b('b'), rangeEnd: b('\0') });
      f.store.roleGrantPermission('r', { permType: PermType.READ, key: b('a'), rangeEnd: b('') });
      const raw = f.backend.get(Bucket.authRoles, b('r'));
      const perm1 = '1201' + str('a');
      const perm2 = '0802' + '1201' + str('b') + '1a0100';
      assert.equal(hex(raw), '0a01' + str('r') + '1203' + perm1 + '1208' + perm2);
      assert.equal(hex(encodeRole(decodeRole(raw as Buffer, b('r')))), hex(raw));
    }));

  test('auth bucket: revision 8 bytes big-endian, enabled flag one byte', () =>
    withAuth((f) => {
      assert.equal(hex(f.backend.get(Bucket.auth, REVISION_KEY)), '0000000000000001');
      assert.equal(f.backend.get(Bucket.auth, ENABLED_KEY), undefined);
      f.addRoot();
      f.store.enable();
      assert.equal(hex(f.backend.get(Bucket.auth, ENABLED_KEY)), '01');
      f.store.disable();
      assert.equal(hex(f.backend.get(Bucket.auth, ENABLED_KEY)), '00');
      assert.equal(hex(f.backend.get(Bucket.auth, REVISION_KEY)), '0000000000000004');
    }));

  test('corrupt records and revisions are refused, not guessed', () => {
    assert.throws(() => decodeUser(Buffer.from([0x0a, 0x05, 0x61]), b('x')), AuthCorruptError);
    assert.throws(() => decodeRevision(Buffer.from([1, 2, 3])), AuthCorruptError);
    assert.throws(() => decodeRole(Buffer.from('12020805', 'hex'), b('r')), AuthCorruptError);
    assert.equal(decodeRevision(undefined), 0);
    assert.equal(decodeRevision(encodeRevision(2 ** 40 + 5)), 2 ** 40 + 5);
  });
});

describe('persistence', () => {
  test('users, roles, permissions, flag and revision survive reopening the backend', async () =>
    withAuth(async (f) => {
      f.addRoot('pw');
      f.store.roleAdd('reader');
      f.store.roleGrantPermission('reader', { permType: PermType.READ, key: b('/app/'), rangeEnd: b('/app0') });
      f.store.userAdd({ name: 'u', password: 'upw' });
      f.store.userGrantRole('u', 'reader');
      f.store.enable();
      const rev = f.store.revision();
      const token = await f.store.authenticate('u', { index: 5, simpleTokenPrefix: 'p' });
      await f.reopen();
      assert.equal(f.store.isEnabled(), true);
      assert.equal(f.store.revision(), rev, 'reopening does not bump the revision');
      assert.deepEqual(f.store.userList(), ['root', 'u']);
      assert.deepEqual(f.store.userGet('u'), ['reader']);
      assert.equal(await f.store.checkPassword('u', 'upw'), rev);
      f.store.isRangePermitted({ username: 'u', revision: rev }, b('/app/x'), b(''));
      assert.throws(() => f.store.isPutPermitted({ username: 'u', revision: rev }, b('/app/x')), authError('permissionDenied'));
      // Simple tokens live in memory only, as in etcd.
      await assert.rejects(f.store.authInfoFromToken(token), authError('invalidAuthToken'));
    }));

  test('recover() re-reads flag and revision after the backend changed under the store', () =>
    withAuth((f) => {
      f.addRoot();
      f.store.userAdd({ name: 'u', password: 'x' });
      f.store.roleAdd('r');
      f.store.userGrantRole('u', 'r');
      const rev = f.store.revision();
      // What installing a snapshot does: other buckets' contents appear wholesale.
      f.backend.put(Bucket.auth, ENABLED_KEY, Buffer.from([1]));
      f.backend.put(Bucket.auth, REVISION_KEY, encodeRevision(rev + 10));
      f.backend.put(Bucket.authRoles, b('r'), encodeRole({ name: b('r'), keyPermission: [{ permType: PermType.WRITE, key: b('k'), rangeEnd: b('') }] }));
      f.store.recover();
      assert.equal(f.store.isEnabled(), true);
      assert.equal(f.store.revision(), rev + 10);
      f.store.isPutPermitted({ username: 'u', revision: rev + 10 }, b('k'));
    }));
});
