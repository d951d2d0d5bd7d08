import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { ApplyRefusedError } from '../../../server/src/apply/index.js';
import { clientErrorOf, SERVER_ERROR_CODES, toGrpcError } from '../../../server/src/api/index.js';
import { GrpcError, Status } from '../../../server/src/api/grpc/index.js';
import { SERVER_ERROR_TEXT, ServerError, type ServerErrorKind } from '../../../server/src/etcdserver/errors.js';
import { LeaseExistsError, LeaseNotFoundError, LeaseTtlTooLargeError, NotPrimaryError } from '../../../server/src/lease/index.js';
import { CompactedError, FutureRevisionError, RequestError } from '../../../server/src/mvcc/index.js';
import { type etcdserverpb, kvService, leaseService, maintenanceService, watchService } from '../../../server/src/pb/index.js';
import { unary, unaryError } from '../pb/grpc-calls.js';
import { waitFor } from '../../support/wait-for.js';
import { withApi } from './fixture.js';

const S = Status;

/** Every client-facing error etcd 3.4 defines for these services: what we throw → code and text. */
const SERVER_TABLE: [ServerErrorKind, number, string][] = [
  ['stopped', S.UNAVAILABLE, 'etcdserver: server stopped'],
  ['canceled', S.UNKNOWN, 'etcdserver: request cancelled'],
  ['deadlineExceeded', S.UNKNOWN, 'context deadline exceeded'],
  ['timeout', S.UNAVAILABLE, 'etcdserver: request timed out'],
  ['timeoutDueToLeaderFail', S.UNAVAILABLE, 'etcdserver: request timed out, possibly due to previous leader failure'],
  ['timeoutDueToConnectionLost', S.UNAVAILABLE, 'etcdserver: request timed out, possibly due to connection lost'],
  ['timeoutLeaderTransfer', S.UNKNOWN, 'etcdserver: request timed out, leader transfer took too long'],
  ['leaderChanged', S.UNAVAILABLE, 'etcdserver: leader changed'],
  ['notEnoughStartedMembers', S.FAILED_PRECONDITION, 'etcdserver: re-configuration failed due to not enough started members'],
  ['noLeader', S.UNAVAILABLE, 'etcdserver: no leader'],
  ['notLeader', S.FAILED_PRECONDITION, 'etcdserver: not leader'],
  ['requestTooLarge', S.INVALID_ARGUMENT, 'etcdserver: request is too large'],
  ['noSpace', S.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded'],
  ['tooManyRequests', S.RESOURCE_EXHAUSTED, 'etcdserver: too many requests'],
  ['unhealthy', S.UNAVAILABLE, 'etcdserver: unhealthy cluster'],
  ['keyNotFound', S.INVALID_ARGUMENT, 'etcdserver: key not found'],
  ['corrupt', S.DATA_LOSS, 'etcdserver: corrupt cluster'],
  ['badLeaderTransferee', S.FAILED_PRECONDITION, 'etcdserver: bad leader transferee'],
  ['learnerNotReady', S.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member which is in sync with leader'],
  ['notSupportedForLearner', S.UNAVAILABLE, 'etcdserver: rpc not supported for learner'],
  ['memberExist', S.FAILED_PRECONDITION, 'etcdserver: member ID already exist'],
  ['peerUrlExist', S.FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists'],
  ['memberBadUrls', S.INVALID_ARGUMENT, 'etcdserver: given member URLs are invalid'],
  ['memberNotFound', S.NOT_FOUND, 'etcdserver: member not found'],
  ['memberNotLearner', S.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member'],
  ['tooManyLearners', S.FAILED_PRECONDITION, 'etcdserver: too many learner members in cluster'],
];

const OTHER_TABLE: [string, unknown, number, string][] = [
  ['compacted', new CompactedError(), S.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted'],
  ['future revision', new FutureRevisionError(), S.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision'],
  ['lease not found', new LeaseNotFoundError(), S.NOT_FOUND, 'etcdserver: requested lease not found'],
  ['lease exists', new LeaseExistsError(), S.FAILED_PRECONDITION, 'etcdserver: lease already exists'],
  ['lease ttl too large', new LeaseTtlTooLargeError(), S.OUT_OF_RANGE, 'etcdserver: too large lease TTL'],
  ['empty key', RequestError.emptyKey(), S.INVALID_ARGUMENT, 'etcdserver: key is not provided'],
  ['key not found', RequestError.keyNotFound(), S.INVALID_ARGUMENT, 'etcdserver: key not found'],
  ['value provided', RequestError.valueProvided(), S.INVALID_ARGUMENT, 'etcdserver: value is provided'],
  ['lease provided', RequestError.leaseProvided(), S.INVALID_ARGUMENT, 'etcdserver: lease is provided'],
  ['too many ops', RequestError.tooManyOps(), S.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request'],
  ['duplicate key', RequestError.duplicateKey(), S.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request'],
  ['invalid sort', RequestError.invalidSortOption(), S.INVALID_ARGUMENT, 'etcdserver: invalid sort option'],
  ['lease not found (apply)', RequestError.leaseNotFound(), S.NOT_FOUND, 'etcdserver: requested lease not found'],
  ['corrupt (apply)', new ApplyRefusedError('corrupt'), S.DATA_LOSS, 'etcdserver: corrupt cluster'],
  ['no space (apply)', new ApplyRefusedError('noSpace'), S.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded'],
  ['grpc error kept', new GrpcError(S.ABORTED, 'as is'), S.ABORTED, 'as is'],
  ['not primary (not client-facing)', new NotPrimaryError(), S.UNKNOWN, 'not a primary lessor'],
  ['plain error', new Error('boom'), S.UNKNOWN, 'boom'],
  ['not an error', 'weird', S.UNKNOWN, 'weird'],
];

describe('error mapping', () => {
  test('a learner serves serializable Range, Status and Snapshot; everything else gets etcd\'s learner error', () =>
    withApi(async (f) => {
      f.member.learner = true;
      const kv = f.client(kvService, 'KV');
      const maint = f.client(maintenanceService, 'Maintenance');
      await unary(kv, kvService.Range, { key: Buffer.from('a'), serializable: true });
      await unary(maint, maintenanceService.Status, {});
      for (const e of [
        await unaryError(kv, kvService.Range, { key: Buffer.from('a') }),
        await unaryError(kv, kvService.Put, { key: Buffer.from('a'), value: Buffer.from('1') }),
        await unaryError(maint, maintenanceService.HashKV, {}),
      ]) {
        assert.equal(e.code, Status.UNAVAILABLE);
        assert.equal(e.details, 'etcdserver: rpc not supported for learner');
      }
      f.member.learner = false;
      await unary(kv, kvService.Put, { key: Buffer.from('a'), value: Buffer.from('1') });
    }));

  test('the server table covers every ServerError kind', () => {
    assert.deepEqual(SERVER_TABLE.map(([k]) => k).sort(), Object.keys(SERVER_ERROR_TEXT).sort());
    assert.deepEqual(Object.keys(SERVER_ERROR_CODES).sort(), Object.keys(SERVER_ERROR_TEXT).sort());
  });

  for (const [kind, code, text] of SERVER_TABLE) {
    test(`ServerError ${kind} → ${code} "${text}"`, () => {
      assert.deepEqual(clientErrorOf(new ServerError(kind)), { code, message: text });
      const g = toGrpcError(new ServerError(kind));
      assert.ok(g instanceof GrpcError);
      assert.equal(g.code, code);
    });
  }

  for (const [name, err, code, text] of OTHER_TABLE) {
    test(`${name} → ${code} "${text}"`, () => {
      assert.deepEqual(clientErrorOf(err), { code, message: text });
    });
  }

  test('over the wire: every server error thrown by the member reaches a grpc-js client as etcd sends it', () =>
    withApi(async (f) => {
      const kv = f.client(kvService, 'KV');
      for (const [kind, code, text] of SERVER_TABLE) {
        f.member.failWith = new ServerError(kind);
        const err = await unaryError(kv, kvService.Put, { key: Buffer.from('k'), value: Buffer.from('v') });
        assert.equal(err.code, code, kind);
        assert.equal(err.details, text, kind);
      }
      const lease = f.client(leaseService, 'Lease');
      for (const [name, err, code, text] of OTHER_TABLE.slice(0, 5)) {
        f.member.failWith = err;
        const e = await unaryError(lease, leaseService.LeaseGrant, { TTL: 10 });
        assert.equal(e.code, code, name);
        assert.equal(e.details, text, name);
      }
    }));

  test('hasleader metadata: UNAVAILABLE "etcdserver: no leader" without a leader, on unary and stream calls', () =>
    withApi(async (f) => {
      const kv = f.client(kvService, 'KV');
      const md = new grpc.Metadata();
      md.set('hasleader', 'true');
      const call = (): Promise<grpc.ServiceError | null> =>
        new Promise((resolve) => {
          (kv as unknown as Record<string, (...a: unknown[]) => void>).Range!({ key: Buffer.from('a') }, md, (err: grpc.ServiceError | null) => resolve(err));
        });
      assert.equal(await call(), null);
      f.member.leader = false;
      const err = await call();
      assert.equal(err?.code, Status.UNAVAILABLE);
      assert.equal(err?.details, 'etcdserver: no leader');
      // Without the metadata the request is served.
      await unary(kv, kvService.Range, { key: Buffer.from('a') });
      const watch = f.client(watchService, 'Watch');
      const stream = (watch as unknown as Record<string, (...a: unknown[]) => grpc.ClientDuplexStream<unknown, unknown>>).Watch!(md);
      stream.on('error', () => undefined);
      const status = await new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
      assert.equal(status.code, Status.UNAVAILABLE);
      assert.equal(status.details, 'etcdserver: no leader');
    }));

  test('a leader-requiring stream ends with "no leader" once the member has lost its leader; others go on', () =>
    withApi(
      async (f) => {
        const md = new grpc.Metadata();
        md.set('hasleader', 'true');
        const watch = duplexes(f.client(watchService, 'Watch'));
        const required = watch.Watch!(md);
        const plain = watch.Watch!();
        const keepAlive = duplexes(f.client(leaseService, 'Lease')).LeaseKeepAlive!(md);
        const [watchStatus, keepAliveStatus] = [required, keepAlive].map(statusOf);
        const plainData: etcdserverpb.WatchResponse[] = [];
        plain.on('data', (d: etcdserverpb.WatchResponse) => plainData.push(d));
        plain.on('error', () => undefined);
        required.write({ createRequest: { key: Buffer.from('a') } });
        plain.write({ createRequest: { key: Buffer.from('a') } });
        await waitFor(() => plainData.length === 1 && f.member.store.counts().synced === 2, 'both watchers');
        f.member.leader = false;
        const ka = await keepAliveStatus!;
        assert.equal(ka.code, Status.UNAVAILABLE, ka.details);
        assert.equal(ka.details, 'etcdserver: no leader');
        // The leader-requiring watch ended and released its watcher; the other one still delivers.
        await watchStatus;
        await waitFor(() => f.member.store.counts().synced === 1, 'the watcher of the ended stream to go');
        f.member.ops.put({ key: Buffer.from('a'), value: Buffer.from('v') });
        await waitFor(() => plainData.length === 2, 'an event on the stream that did not ask for a leader');
        plain.cancel();
      },
      { leaderCheckIntervalMs: 5 },
    ));

  // The client has not half-closed, so the server resets the request side after the trailers;
  // the reset once went out before them and the client saw INTERNAL (see grpc/trailers.test.ts).
  test('a watch that already sent responses ends with the "no leader" status in its trailers', () =>
    withApi(
      async (f) => {
        const md = new grpc.Metadata();
        md.set('hasleader', 'true');
        const required = duplexes(f.client(watchService, 'Watch')).Watch!(md);
        const status = statusOf(required);
        required.write({ createRequest: { key: Buffer.from('a') } });
        await waitFor(() => f.member.store.counts().synced === 1, 'the watcher');
        f.member.leader = false;
        const st = await status;
        assert.equal(st.code, Status.UNAVAILABLE, st.details);
        assert.equal(st.details, 'etcdserver: no leader');
      },
      { leaderCheckIntervalMs: 5 },
    ));
});

type Duplex = grpc.ClientDuplexStream<unknown, etcdserverpb.WatchResponse>;

function duplexes(client: grpc.Client): Record<string, (...a: unknown[]) => Duplex> {
  return client as unknown as Record<string, (...a: unknown[]) => Duplex>;
}

/** The status a stream ends with (its errors and data are consumed). */
function statusOf(s: Duplex): Promise<grpc.StatusObject> {
  s.on('error', () => undefined);
  s.on('data', () => undefined);
  return new Promise((resolve) => s.on('status', resolve));
}
