import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EtcdServer } from '../../../server/src/etcdserver/index.js';
import { assignJoinId } from '../../../server/src/etcdserver/bootstrap.js';
import { BootstrapError } from '../../../server/src/etcdserver/errors.js';
import { memberConfig, withDir } from './helpers.js';

const remote = {
  clusterId: 0xc1n,
  members: [
    { id: 0xa1n, name: 'a', peerUrls: ['http://127.0.0.1:2380'], clientUrls: [], isLearner: false },
    { id: 0xb2n, name: '', peerUrls: ['http://127.0.0.2:2380', 'http://10.0.0.2:2380'], clientUrls: [], isLearner: true },
  ],
};

test('a joining member takes the id the cluster gave its peer URLs (in any order)', () => {
  const initial = new Map([
    ['b', ['http://10.0.0.2:2380', 'http://127.0.0.2:2380']],
    ['a', ['http://127.0.0.1:2380']],
  ]);
  assert.equal(assignJoinId(initial, 'b', remote), 0xb2n);
  assert.equal(assignJoinId(initial, 'a', remote), 0xa1n);
});

test('an --initial-cluster that does not match the running cluster is refused with etcd\'s reasons', () => {
  const fewer = new Map([['b', ['http://127.0.0.2:2380', 'http://10.0.0.2:2380']]]);
  assert.throws(() => assignJoinId(fewer, 'b', remote), (e: unknown) => e instanceof BootstrapError && /^error validating peerURLs \{cluster c1: .*\}: member count is unequal$/.test(e.message));
  const other = new Map([
    ['a', ['http://127.0.0.1:2380']],
    ['b', ['http://127.0.0.9:2380']],
  ]);
  assert.throws(() => assignJoinId(other, 'b', remote), /unmatched member while checking PeerURLs/);
  const named = new Map([
    ['a', ['http://127.0.0.1:2380']],
    ['b', ['http://127.0.0.2:2380', 'http://10.0.0.2:2380']],
  ]);
  assert.throws(() => assignJoinId(named, 'c', remote), /couldn't find local name "c"/);
});

test('a new member not named in --initial-cluster is refused at bootstrap, with nothing written', async () => {
  await withDir(async (dir) => {
    const cfg = memberConfig(join(dir, 'data'), { name: 'nobody' });
    await assert.rejects(EtcdServer.start(cfg), (e: unknown) => e instanceof BootstrapError && e.message === 'couldn\'t find local name "nobody" in the initial cluster configuration');
    assert.equal(existsSync(join(dir, 'data', 'member', 'wal')), false);
  });
});
