import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PermType, RangePermissions, type Permission, type PermissionType } from '../../../server/src/auth/index.js';
import { authError, b, withAuth, type AuthFixture } from './helpers.js';

const perm = (permType: PermissionType, key: string, rangeEnd = ''): Permission => ({ permType, key: b(key), rangeEnd: b(rangeEnd) });

describe('RangePermissions (interval semantics)', () => {
  const p = new RangePermissions([
    perm(PermType.READ, 'single'),
    perm(PermType.READ, '/pre/', '/pre0'), // prefix "/pre/"
    perm(PermType.READWRITE, 'm', 'p'),
    perm(PermType.READ, 'p', 'r'), // adjacent to [m, p): together [m, r) for reads
    perm(PermType.WRITE, 'x', '\0'), // from "x" to the end
  ]);
  const read = (k: string, e = ''): boolean => p.permits('read', b(k), b(e));
  const write = (k: string, e = ''): boolean => p.permits('write', b(k), b(e));

  test('a single-key permission grants that key only', () => {
    assert.equal(read('single'), true);
    assert.equal(read('singlex'), false);
    assert.equal(read('singl'), false);
    assert.equal(read('single', 'single\0'), true, 'the range holding just the key');
    assert.equal(read('single', 'singlf'), false);
  });

  test('a prefix permission grants keys and sub-ranges under the prefix', () => {
    assert.equal(read('/pre/a'), true);
    assert.equal(read('/pre/'), true);
    assert.equal(read('/pre'), false);
    assert.equal(read('/pre/a', '/pre/b'), true);
    assert.equal(read('/pre/', '/pre0'), true);
    assert.equal(read('/pre/', '/pre1'), false, 'reaches past the prefix');
  });

  test('adjacent permissions cover a range together; a gap does not', () => {
    assert.equal(read('m', 'r'), true);
    assert.equal(read('n', 'q'), true);
    assert.equal(read('m', 's'), false);
    assert.equal(write('m', 'p'), true);
    assert.equal(write('m', 'q'), false, 'the [p, r) part is read-only');
  });

  test('from-key ("\\0") permissions and requests', () => {
    assert.equal(write('x'), true);
    assert.equal(write('zzzz'), true);
    assert.equal(write('x', '\0'), true);
    assert.equal(write('y', '\0'), true);
    assert.equal(write('w', '\0'), false);
    assert.equal(read('x'), false, 'write only');
  });

  test('READ and WRITE are separate; READWRITE is both', () => {
    assert.equal(write('single'), false);
    assert.equal(read('n'), true);
    assert.equal(write('n'), true);
  });

  test('no permissions: nothing', () => {
    const none = new RangePermissions([]);
    assert.equal(none.permits('read', b('a'), b('')), false);
    assert.equal(none.permits('write', b('a'), b('\0')), false);
  });

  test('property: a single-key check equals "some granted interval holds the key"', () => {
    const key = fc.uint8Array({ minLength: 1, maxLength: 3, max: 3 });
    const grant = fc.record({ permType: fc.constantFrom<PermissionType>(0, 1, 2), key, rangeEnd: fc.oneof(fc.constant(new Uint8Array(0)), fc.constant(Uint8Array.of(0)), key) });
    fc.assert(
      fc.property(fc.array(grant, { maxLength: 6 }), key, (grants, k) => {
        const perms = grants.map((g) => ({ permType: g.permType, key: Buffer.from(g.key), rangeEnd: Buffer.from(g.rangeEnd) }));
        const model = perms.some((g) => {
          if (g.permType === PermType.WRITE) return false;
          if (g.rangeEnd.length === 0) return g.key.equals(k);
          const toEnd = g.rangeEnd.length === 1 && g.rangeEnd[0] === 0;
          return Buffer.compare(g.key, k) <= 0 && (toEnd || Buffer.compare(k, g.rangeEnd) < 0);
        });
        assert.equal(new RangePermissions(perms).permits('read', k, new Uint8Array(0)), model);
      }),
      { numRuns: 500 },
    );
  });
});

describe('permission checks through the store (cache, grant, revoke)', () => {
  const setup = (f: AuthFixture): void => {
    f.addRoot();
    f.store.userAdd({ name: 'u', password: 'x' });
    f.store.userAdd({ name: 'nobody', password: 'x' });
    f.store.roleAdd('app');
    f.store.userGrantRole('u', 'app');
    f.store.roleGrantPermission('app', { permType: PermType.READ, key: b('/app/'), rangeEnd: b('/app0') });
    f.store.enable();
  };
  const as = (f: AuthFixture, username: string) => ({ username, revision: f.store.revision() });

  test('root may do anything; a user without roles nothing', () =>
    withAuth((f) => {
      setup(f);
      f.store.isPutPermitted(as(f, 'root'), b('anything'));
      f.store.isDeleteRangePermitted(as(f, 'root'), b('\0'), b('\0'));
      assert.throws(() => f.store.isRangePermitted(as(f, 'nobody'), b('/app/x'), b('')), authError('permissionDenied'));
    }));

  test('grant then check, revoke then check: answers follow the revision', () =>
    withAuth((f) => {
      setup(f);
      f.store.isRangePermitted(as(f, 'u'), b('/app/a'), b('/app/b'));
      assert.throws(() => f.store.isPutPermitted(as(f, 'u'), b('/app/a')), authError('permissionDenied'));
      const before = f.store.revision();
      f.store.roleGrantPermission('app', { permType: PermType.READWRITE, key: b('/app/'), rangeEnd: b('/app0') });
      assert.throws(() => f.store.isPutPermitted({ username: 'u', revision: before }, b('/app/a')), authError('authOldRevision'));
      f.store.isPutPermitted(as(f, 'u'), b('/app/a'));
      f.store.isDeleteRangePermitted(as(f, 'u'), b('/app/'), b('/app0'));
      f.store.roleRevokePermission('app', b('/app/'), b('/app0'));
      assert.throws(() => f.store.isPutPermitted(as(f, 'u'), b('/app/a')), authError('permissionDenied'));
      assert.throws(() => f.store.isRangePermitted(as(f, 'u'), b('/app/a'), b('')), authError('permissionDenied'));
    }));

  test('revoking the role from the user, or deleting the role, takes the permissions away', () =>
    withAuth((f) => {
      setup(f);
      f.store.isRangePermitted(as(f, 'u'), b('/app/a'), b(''));
      f.store.userRevokeRole('u', 'app');
      assert.throws(() => f.store.isRangePermitted(as(f, 'u'), b('/app/a'), b('')), authError('permissionDenied'));
      f.store.userGrantRole('u', 'app');
      f.store.isRangePermitted(as(f, 'u'), b('/app/a'), b(''));
      f.store.roleDelete('app');
      assert.throws(() => f.store.isRangePermitted(as(f, 'u'), b('/app/a'), b('')), authError('permissionDenied'));
    }));

  test('permissions of several roles are merged', () =>
    withAuth((f) => {
      setup(f);
      f.store.roleAdd('more');
      f.store.roleGrantPermission('more', { permType: PermType.READ, key: b('/app0'), rangeEnd: b('/app1') });
      f.store.userGrantRole('u', 'more');
      f.store.isRangePermitted(as(f, 'u'), b('/app/'), b('/app1'));
      assert.throws(() => f.store.isRangePermitted(as(f, 'u'), b('/app/'), b('/app2')), authError('permissionDenied'));
    }));
});
