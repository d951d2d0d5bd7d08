import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../../server/src/cli/errors.js';
import { parseRestoreArgs } from '../../../server/src/cli/snapshot-restore.js';
import { run } from '../../../server/src/cli/index.js';

describe('cairn snapshot restore arguments', () => {
  test("etcdctl's defaults: a member named default on localhost, in default.etcd", () => {
    const { file, target } = parseRestoreArgs(['s.db']);
    assert.equal(file, 's.db');
    assert.equal(target.name, 'default');
    assert.equal(target.dataDir, 'default.etcd');
    assert.equal(target.walDir, '');
    assert.deepEqual(target.peerUrls, ['http://localhost:2380']);
    assert.deepEqual([...target.initialCluster], [['default', ['http://localhost:2380']]]);
    assert.equal(target.initialClusterToken, 'etcd-cluster');
    assert.equal(target.skipHashCheck, false);
  });

  test('every flag, in both spellings', () => {
    const { target } = parseRestoreArgs([
      '--name=n1', '--data-dir', '/d', '--wal-dir=/w', '--initial-cluster', 'n1=http://a:1,n2=http://b:2',
      '--initial-cluster-token=t', '--initial-advertise-peer-urls', 'http://a:1', '--skip-hash-check', 'f.db',
    ]);
    assert.equal(target.name, 'n1');
    assert.equal(target.dataDir, '/d');
    assert.equal(target.walDir, '/w');
    assert.deepEqual([...target.initialCluster.keys()], ['n1', 'n2']);
    assert.equal(target.initialClusterToken, 't');
    assert.equal(target.skipHashCheck, true);
    assert.equal(parseRestoreArgs(['--name', 'x', 'f']).target.dataDir, 'x.etcd', 'the data dir follows the name');
  });

  test('usage errors: no file, two files, an unknown flag, a flag without its value', () => {
    assert.throws(() => parseRestoreArgs([]), (e: unknown) => e instanceof UsageError && /requires exactly one argument/.test(e.message));
    assert.throws(() => parseRestoreArgs(['a', 'b']), /requires exactly one argument/);
    assert.throws(() => parseRestoreArgs(['a', '--bogus', '1']), /unknown flag: --bogus/);
    assert.throws(() => parseRestoreArgs(['a', '--name']), /flag needs an argument: --name/);
  });

  test('run() exits 2 on a usage error and 1 on a refused restore, saying why', async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (l: string) => err.push(l) };
    assert.equal(await run(['snapshot', 'restore'], io, { logSink: () => undefined }), 2);
    assert.match(err.join('\n'), /snapshot restore requires exactly one argument/);
    err.length = 0;
    assert.equal(await run(['snapshot', 'restore', '/nonexistent/x.db', '--data-dir', '/nonexistent/out'], io, { logSink: () => undefined }), 1);
    assert.match(err.join('\n'), /^cairn: open \/nonexistent\/x\.db: no such file or directory$/);
  });
});
