import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AUTH_ERROR_TEXT, AuthError, GRPC_AUTH_ERRORS, GrpcCode, needsAdminPermission, type AuthErrorKind } from '../../../server/src/auth/index.js';

describe('auth errors', () => {
  test('messages are the auth package texts; kind is kept', () => {
    const e = new AuthError('userNotFound');
    assert.equal(e.message, 'auth: user not found');
    assert.equal(e.kind, 'userNotFound');
    assert.equal(e.name, 'AuthError');
    assert.equal(new AuthError('invalidAuthOpts', { detail: 'x' }).message, 'auth: invalid auth options: x');
  });

  test('the gRPC table: every kind mapped; client-facing rows carry etcd rpctypes strings and codes', () => {
    for (const kind of Object.keys(AUTH_ERROR_TEXT) as AuthErrorKind[]) assert.ok(GRPC_AUTH_ERRORS[kind], kind);
    assert.deepEqual(
      { code: GRPC_AUTH_ERRORS.invalidAuthToken.code, message: GRPC_AUTH_ERRORS.invalidAuthToken.message },
      { code: GrpcCode.unauthenticated, message: 'etcdserver: invalid auth token' },
    );
    assert.equal(GRPC_AUTH_ERRORS.userAlreadyExist.message, 'etcdserver: user name already exists');
    assert.equal(GRPC_AUTH_ERRORS.authOldRevision.message, 'etcdserver: revision of auth store is old');
    assert.equal(GRPC_AUTH_ERRORS.permissionDenied.code, 7);
    assert.equal(GRPC_AUTH_ERRORS.authFailed.code, GrpcCode.invalidArgument);
    assert.equal(GRPC_AUTH_ERRORS.rootRoleNotExist.code, GrpcCode.failedPrecondition);
  });

  test('needsAdminPermission: auth management needs root, key-value requests do not', () => {
    assert.equal(needsAdminPermission({ authUserAdd: { name: 'x' } }), true);
    assert.equal(needsAdminPermission({ authEnable: {} }), true);
    assert.equal(needsAdminPermission({ authRoleList: {} }), true);
    assert.equal(needsAdminPermission({ authUserAdd: null }), false);
    assert.equal(needsAdminPermission({ put: { key: 'k' } } as Record<string, unknown>), false);
  });
});
