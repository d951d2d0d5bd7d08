import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readSync, rmSync, writeSync, closeSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { index, nodeId, term } from '../../../server/src/raft/index.js';
import { Wal } from '../../../server/src/wal/index.js';

// The real binary, as a user runs it: node dist/server/src/main.js wal dump --data-dir DIR.
const main = new URL('../../../server/src/main.js', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function cairn(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test('cairn wal dump lists every record of a member WAL, then damage with file and offset', async () => {
  const walDir = join(dataDir, 'member', 'wal');
  const wal = await Wal.create(walDir, new Uint8Array([8, 1, 16, 2]));
  const entries = [1, 2, 3].map((i) => ({ term: term(1), index: index(i), type: 0 as const, data: Buffer.from(`put k${i}`) }));
  await wal.save({ term: term(1), vote: nodeId(1), commit: index(3) }, entries);
  await wal.close();

  const ok = cairn(['wal', 'dump', '--data-dir', dataDir]);
  assert.equal(ok.status, 0, ok.err);
  assert.match(ok.out, /segment .*0000000000000000-0000000000000000\.wal/);
  assert.match(ok.out, /metadata .*node=0000000000000001 cluster=0000000000000002/);
  for (const i of [1, 2, 3]) assert.match(ok.out, new RegExp(`entry +1 +${i} .*Normal len=6 "put k${i}"`));
  assert.match(ok.out, /state .*term=1 vote=0000000000000001 commit=3/);
  assert.match(ok.out, /records in 1 segments/);

  // The same through ETCD_DATA_DIR, as etcd's flags map to variables.
  assert.equal(cairn(['wal', 'dump'], { ETCD_DATA_DIR: dataDir }).out, ok.out);

  // Flip a byte inside the second entry's data: the dump names the file and the frame offset.
  const offset = Number(/^ +(\d+) entry +1 +2 /m.exec(ok.out)?.[1]);
  const name = readdirSync(walDir).find((n) => n.endsWith('.wal'));
  assert.ok(name !== undefined && Number.isInteger(offset));
  const file = join(walDir, name);
  const fd = openSync(file, 'r+');
  const b = Buffer.alloc(1);
  const at = offset + 8 + 10; // into the record, past the length word and the record header
  readSync(fd, b, 0, 1, at);
  b[0] = (b[0] ?? 0) ^ 0x01;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
  const bad = cairn(['wal', 'dump', '--data-dir', dataDir]);
  assert.equal(bad.status, 1);
  assert.ok(bad.out.includes(`DAMAGE ${file} at offset ${offset}:`), bad.out);
});
