import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FLAGS, flagEnvName, flagOrEnv, run, serveHelp } from '../../../server/src/cli/index.js';
import { kvService } from '../../../server/src/pb/index.js';
import { waitFor } from '../pb/etcd-process.js';
import { clientFor, unary, unaryError } from '../pb/grpc-calls.js';

const main = new URL('../../../server/src/main.js', import.meta.url).pathname;

function capture(): { out: string[]; err: string[]; logs: string[]; io: { out: (l: string) => void; err: (l: string) => void } } {
  const out: string[] = [];
  const err: string[] = [];
  const logs: string[] = [];
  return { out, err, logs, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}

test('--version prints the version and the etcd API version', async () => {
  const c = capture();
  assert.equal(await run(['--version'], c.io), 0);
  assert.match(c.out.join('\n'), /^cairn Version: \d+\.\d+\.\d+\nAPI version: 3\.4/);
  assert.equal(await run(['--name', 'x', '--version'], c.io), 0);
});

test('serving parses the whole config, logs its warnings, serves, and stops cleanly (exit 0)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-run-'));
  try {
    const c = capture();
    let ready: (why: string) => void = () => undefined;
    const stop = new Promise<string>((resolve) => {
      ready = resolve;
    });
    const sink = (l: string): void => {
      c.logs.push(l);
      if ((JSON.parse(l) as { msg: string }).msg === 'ready to serve client requests') ready('test');
    };
    const argv = ['--name', 'm1', '--enable-pprof', '--data-dir', join(dir, 'm1.etcd'), '--listen-client-urls', 'http://127.0.0.1:0', '--listen-peer-urls', 'http://127.0.0.1:0', '--advertise-client-urls', 'http://127.0.0.1:2379'];
    const code = await run(argv, c.io, { env: { ETCD_BOGUS: '1' }, logSink: sink, stopSignal: stop });
    assert.equal(code, 0, c.err.join('\n'));
    const msgs = c.logs.map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.ok(msgs.includes('unrecognized environment variable'), msgs.join('; '));
    assert.ok(msgs.some((m) => m.startsWith('--enable-pprof is ignored')), msgs.join('; '));
    assert.ok(msgs.includes('member started') && msgs.includes('member stopped'), msgs.join('; '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('settings that are not supported yet stop serving with exit 1 and name the flags', async () => {
  const c = capture();
  assert.equal(await run(['--discovery-srv', 'example.com'], c.io, { env: {}, logSink: () => undefined }), 1);
  assert.match(c.err.join('\n'), /not supported yet: --discovery-srv \(discovery is not built yet\)/);
  assert.equal(await run(['--enable-v2'], c.io, { env: {} }), 1);
  assert.match(c.err.join('\n'), /Cairn has no v2 API/);
});

test('usage errors print Go\'s text and the usage line, exit 2', async () => {
  const c = capture();
  assert.equal(await run(['--bogus'], c.io, { env: {} }), 2);
  assert.equal(c.err[0], 'flag provided but not defined: -bogus');
  assert.match(c.err[1] ?? '', /^usage: cairn/);
});

test('the real binary: an unknown flag exits 2 with Go\'s text on stderr', () => {
  const r = spawnSync(process.execPath, [main, '--bogus'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^flag provided but not defined: -bogus\n/);
  assert.equal(r.stdout, '');
});

test('--help lists every serving flag, grouped like etcd\'s help', async () => {
  const c = capture();
  assert.equal(await run(['--help'], c.io), 0);
  assert.equal(await run(['--name', 'a', '-h'], c.io), 0);
  const help = c.out[0] ?? '';
  assert.equal(c.out[1], help);
  assert.equal(help, serveHelp());
  for (const f of FLAGS) {
    if (f.group === 'general') continue;
    assert.ok(help.includes(`\n  --${f.name} '${f.def}'\n`), `--help misses --${f.name}`);
  }
  const groups = ['Member:', 'Clustering:', 'Security:', 'Logging:', 'Experimental:'].map((g) => help.indexOf(`\n${g}\n`));
  assert.ok(groups.every((i) => i > 0), 'a group title is missing');
  assert.deepEqual([...groups].sort((a, b) => a - b), groups, 'groups are out of order');
  assert.ok(help.indexOf('--name ') > groups[0]! && help.indexOf('--name ') < groups[1]!);
  assert.ok(help.indexOf('--log-level ') > groups[3]! && help.indexOf('--log-level ') < groups[4]!);
  assert.match(help, /--enable-v2 'false'\n.*\n.*Only the default is accepted: Cairn has no v2 API/);
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

test('a served member counts gRPC calls in /metrics by method and code, as go-grpc-prometheus does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-run-'));
  let stopNow: (why: string) => void = () => undefined;
  const stop = new Promise<string>((resolve) => (stopNow = resolve));
  let address = '';
  let readyNow: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (readyNow = resolve));
  const sink = (l: string): void => {
    const rec = JSON.parse(l) as { msg: string; address?: string };
    if (rec.address !== undefined && rec.msg.startsWith('serving client traffic')) address = rec.address;
    if (rec.msg === 'ready to serve client requests') readyNow();
  };
  const argv = ['--data-dir', join(dir, 'm.etcd'), '--listen-client-urls', 'http://127.0.0.1:0', '--listen-peer-urls', 'http://127.0.0.1:0', '--advertise-client-urls', 'http://127.0.0.1:2379'];
  const served = run(argv, capture().io, { logSink: sink, stopSignal: stop });
  try {
    await ready;
    const kv = clientFor(kvService, 'KV', address);
    try {
      await waitFor('a leader', 10_000, () => unary(kv, kvService.Put, { key: Buffer.from('a'), value: Buffer.from('1') }));
      await unary(kv, kvService.Put, { key: Buffer.from('b'), value: Buffer.from('2') });
      const bad = await unaryError(kv, kvService.Range, { key: Buffer.from('') });
      assert.equal(bad.details, 'etcdserver: key is not provided');
    } finally {
      kv.close();
    }
    const metrics = await (await fetch(`http://${address}/metrics`)).text();
    const line = (name: string): string | undefined => metrics.split('\n').find((l) => l.startsWith(name));
    assert.match(line('grpc_server_started_total{grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Put"}') ?? '', / [2-9]\d*$/);
    assert.match(line('grpc_server_handled_total{grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Put",grpc_code="OK"}') ?? '', / 2$/);
    assert.equal(line('grpc_server_handled_total{grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Range",grpc_code="InvalidArgument"}'), 'grpc_server_handled_total{grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Range",grpc_code="InvalidArgument"} 1');
  } finally {
    stopNow('test');
    assert.equal(await served, 0);
    rmSync(dir, { recursive: true, force: true });
  }
});
