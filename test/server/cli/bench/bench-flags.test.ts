import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError, run } from '../../../../server/src/cli/index.js';
import { parseBenchArgs, type BenchConfig } from '../../../../server/src/cli/bench/index.js';
import { freePort } from '../../../e2e/cluster-process.js';

function config(argv: string[]): BenchConfig {
  const p = parseBenchArgs(argv);
  assert.equal(p.kind, 'run');
  if (p.kind !== 'run') throw new Error('unreachable');
  return p.config;
}

describe('cairn bench flags', () => {
  test('put has the defaults of etcd\'s benchmark tool', () => {
    const c = config(['put', '--workers', '2']);
    assert.deepEqual(c, {
      kind: 'put', endpoints: ['127.0.0.1:2379'], conns: 1, clients: 1, total: 10000, workers: 2, json: false,
      keySize: 8, valSize: 8, keySpaceSize: 1, sequentialKeys: false,
    });
  });

  test('global flags may come before or after the command; both --f v and --f=v', () => {
    const c = config(['--endpoints', 'http://a:1,b:2', '--conns=3', 'put', '--clients', '7', '--total=9', '--sequential-keys', '--key-space-size', '50', '--json']);
    assert.equal(c.kind, 'put');
    if (c.kind !== 'put') return;
    assert.deepEqual(c.endpoints, ['a:1', 'b:2']);
    assert.equal(c.conns, 3);
    assert.equal(c.clients, 7);
    assert.equal(c.total, 9);
    assert.equal(c.sequentialKeys, true);
    assert.equal(c.keySpaceSize, 50);
    assert.equal(c.json, true);
  });

  test('range takes KEY [END] and --consistency l|s (default l)', () => {
    const l = config(['range', 'foo']);
    assert.deepEqual(l.kind === 'range' && [l.key, l.end, l.serializable, l.total], ['foo', '', false, 10000]);
    const s = config(['range', '--consistency', 's', 'a', 'b']);
    assert.deepEqual(s.kind === 'range' && [s.key, s.end, s.serializable], ['a', 'b', true]);
    assert.throws(() => parseBenchArgs(['range']), UsageError);
    assert.throws(() => parseBenchArgs(['range', 'a', 'b', 'c']), UsageError);
    assert.throws(() => parseBenchArgs(['range', 'a', '--consistency', 'x']), /--consistency must be l or s/);
  });

  test('txn-put, lease-keepalive and watch flags and defaults', () => {
    const t = config(['txn-put', '--txn-ops', '4']);
    assert.deepEqual(t.kind === 'txn-put' && [t.txnOps, t.keySize, t.valSize, t.keySpaceSize, t.total], [4, 8, 8, 1, 10000]);
    assert.equal(config(['lease-keepalive']).total, 10000);
    const w = config(['watch', '--streams', '3', '--watch-per-stream', '4', '--watched-key-total', '2', '--put-total', '5']);
    assert.deepEqual(w.kind === 'watch' && [w.streams, w.watchPerStream, w.watchedKeyTotal, w.putTotal, w.putRate, w.valSize], [3, 4, 2, 5, 0, 8]);
    const r = config(['watch', '--put-rate', '50']);
    assert.equal(r.kind === 'watch' && r.putRate, 50);
  });

  test('unknown flags, flags of another command, bad values and unknown commands are usage errors', () => {
    assert.throws(() => parseBenchArgs(['put', '--precise']), /unknown flag: --precise/);
    assert.throws(() => parseBenchArgs(['range', 'k', '--txn-ops', '2']), /unknown flag: --txn-ops/);
    assert.throws(() => parseBenchArgs(['watch', '--total', '2']), /unknown flag: --total/);
    assert.throws(() => parseBenchArgs(['put', '--total', 'x']), /invalid argument "x" for --total/);
    assert.throws(() => parseBenchArgs(['put', '--clients', '0']), /must be >= 1/);
    assert.throws(() => parseBenchArgs(['put', '--json=maybe']), UsageError);
    assert.throws(() => parseBenchArgs(['put', '--total']), /needs an argument/);
    assert.throws(() => parseBenchArgs(['put', 'extra']), /expected 0 argument/);
    assert.throws(() => parseBenchArgs(['bogus']), /unknown bench command "bogus"/);
    assert.throws(() => parseBenchArgs(['put', '--endpoints', 'https://a:1']), /TLS/);
  });

  test('--help and no command ask for the usage text', () => {
    assert.equal(parseBenchArgs([]).kind, 'help');
    assert.equal(parseBenchArgs(['put', '--help']).kind, 'help');
    assert.equal(parseBenchArgs(['--help']).kind, 'help');
  });

  test('through run(): a usage error exits 2 with the message on stderr; --help exits 0', async () => {
    const err: string[] = [];
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    assert.equal(await run(['bench', 'put', '--nope'], io), 2);
    assert.match(err.join('\n'), /unknown flag: --nope/);
    assert.equal(await run(['bench', 'put', '--key-space-size', '1000', '--key-size', '2'], io), 2);
    assert.match(err.join('\n'), /--key-space-size 1000 needs --key-size >= 3/);
    assert.equal(await run(['bench', '--help'], io), 0);
    assert.match(out.join('\n'), /usage: cairn bench/);
  });

  test('an endpoint that refuses connections fails the run with exit 1 and says why', async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (l: string) => err.push(l) };
    const port = await freePort();
    assert.equal(await run(['bench', 'put', '--endpoints', `127.0.0.1:${port}`, '--total', '5'], io), 1);
    assert.match(err.join('\n'), /bench worker failed: .*ECONNREFUSED/);
  });
});
