// One real run of every load against a Cairn member process (small totals, zero errors expected),
// checking through the API that the puts really landed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { etcdserverpb, kvService } from '../../../../server/src/pb/index.js';
import { run } from '../../../../server/src/cli/index.js';
import { GrpcConnection, type BenchJson } from '../../../../server/src/cli/bench/index.js';
import { MemberProcess } from '../../../e2e/cluster-process.js';

let member: MemberProcess;
let conn: GrpcConnection;

async function bench(args: string[]): Promise<BenchJson> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['bench', '--endpoints', member.endpoint, '--workers', '2', ...args, '--json'], { out: (l) => out.push(l), err: (l) => err.push(l) });
  assert.equal(code, 0, err.join('\n'));
  assert.equal(out.length, 1, out.join('\n'));
  return JSON.parse(out[0] ?? '') as BenchJson;
}

async function range(key: string, end: string): Promise<etcdserverpb.RangeResponse> {
  const body = etcdserverpb.RangeRequest.encode({ key: Buffer.from(key), rangeEnd: Buffer.from(end), countOnly: true }).finish();
  return etcdserverpb.RangeResponse.decode(await conn.unary(kvService.Range.path, body));
}

describe('cairn bench against a Cairn member', () => {
  before(async () => {
    member = await MemberProcess.start('cairn');
    conn = new GrpcConnection(member.endpoint);
    await conn.ready();
  });
  after(async () => {
    conn.close();
    await member.destroy();
  });

  test('put --total 200 --clients 4 --conns 2: 200 puts land (revision +200, 200 distinct sequential keys)', async () => {
    const before = Number((await range('0', '\0')).header?.revision);
    const j = await bench(['put', '--total', '200', '--clients', '4', '--conns', '2', '--sequential-keys', '--key-space-size', '1000']);
    assert.deepEqual([j.command, j.total, j.errors], ['put', 200, 0]);
    const after = await range('0', ':');
    assert.equal(Number(after.header?.revision) - before, 200);
    assert.equal(Number(after.count), 200, 'sequential keys are numbered over all clients: 200 distinct keys');
  });

  test('range (linearizable and serializable), txn-put and lease-keepalive run with zero errors', async () => {
    for (const args of [
      ['range', '00000000', '--total', '100', '--clients', '3', '--conns', '2'],
      ['range', '0', ':', '--consistency', 's', '--total', '100', '--clients', '3'],
      ['txn-put', '--txn-ops', '3', '--key-space-size', '50', '--total', '60', '--clients', '3', '--conns', '2'],
      ['lease-keepalive', '--total', '100', '--clients', '4', '--conns', '2'],
    ]) {
      const j = await bench(args);
      assert.deepEqual([j.total, j.errors], [Number(args[args.indexOf('--total') + 1]), 0], `${args.join(' ')}: ${JSON.stringify(j.errorTexts)}`);
    }
  });

  test('txn-put: each txn is one revision carrying --txn-ops puts', async () => {
    const before = Number((await range('0', '\0')).header?.revision);
    await bench(['txn-put', '--txn-ops', '2', '--key-space-size', '10', '--total', '20', '--clients', '2']);
    assert.equal(Number((await range('0', '\0')).header?.revision) - before, 20);
  });

  test('watch: every watcher gets every put on its key (events = puts x watchers per key), no errors', async () => {
    const j = await bench(['watch', '--streams', '3', '--watch-per-stream', '4', '--watched-key-total', '2', '--put-total', '30', '--clients', '2', '--conns', '2']);
    // 12 watchers, 6 per key; 15 puts per key.
    assert.deepEqual([j.command, j.unit, j.total, j.errors], ['watch', 'Events', 12 * 15, 0], JSON.stringify(j.errorTexts));
    // Paced puts (--put-rate) deliver the same events.
    const paced = await bench(['watch', '--streams', '2', '--watch-per-stream', '3', '--put-total', '10', '--put-rate', '200', '--clients', '2', '--conns', '2']);
    assert.deepEqual([paced.total, paced.errors], [6 * 10, 0], JSON.stringify(paced.errorTexts));
  });

  test('without --json: the text report of etcd\'s tool (summary, histogram, distribution)', async () => {
    const out: string[] = [];
    const code = await run(['bench', '--endpoints', member.endpoint, 'range', '00000000', '--total', '20', '--clients', '2'], { out: (l) => out.push(l), err: (l) => out.push(l) });
    assert.equal(code, 0, out.join('\n'));
    const text = out.join('\n');
    assert.match(text, /Summary:\n {2}Total:\t\d+\.\d{4} secs\.\n[^]*Requests\/sec:\t/);
    assert.match(text, /Response time histogram:\n/);
    assert.match(text, /Latency distribution:\n {2}10% in [^]* {2}99\.9% in \d+\.\d{4} secs\./);
    assert.doesNotMatch(text, /Error distribution/);
  });
});
