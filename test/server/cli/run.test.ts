import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagEnvName, flagOrEnv, run } from '../../../server/src/cli/index.js';

function capture(): { out: string[]; err: string[]; io: { out: (l: string) => void; err: (l: string) => void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}

test('--version prints the version and the etcd API version', async () => {
  const c = capture();
  assert.equal(await run(['--version'], c.io), 0);
  assert.match(c.out.join('\n'), /^cairn Version: \d+\.\d+\.\d+\nAPI version: 3\.4/);
});

test('serving is refused with a clear message until the member exists', async () => {
  const c = capture();
  assert.equal(await run(['--name', 'm1'], c.io), 2);
  assert.match(c.err.join('\n'), /not available in this build yet/);
});

test('wal dump needs a data dir; unknown wal commands are usage errors', async () => {
  const c = capture();
  assert.equal(await run(['wal', 'dump'], c.io), 2);
  assert.match(c.err.join('\n'), /--data-dir is required/);
  assert.equal(await run(['wal', 'frobnicate'], c.io), 2);
});

test('flags map to ETCD_* variables; the flag wins', () => {
  assert.equal(flagEnvName('data-dir'), 'ETCD_DATA_DIR');
  assert.equal(flagEnvName('initial-cluster-token'), 'ETCD_INITIAL_CLUSTER_TOKEN');
  assert.equal(flagOrEnv(undefined, 'data-dir', { ETCD_DATA_DIR: '/d' }), '/d');
  assert.equal(flagOrEnv('/flag', 'data-dir', { ETCD_DATA_DIR: '/d' }), '/flag');
});
