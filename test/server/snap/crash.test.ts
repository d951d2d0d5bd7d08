import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Snapshotter, formatSnapName } from '../../../server/src/snap/index.js';
import { entries, makeSnap, rmDir, tmpDir } from './fixtures/snaps.js';

const child = fileURLToPath(new URL('./fixtures/save-snapshot.js', import.meta.url));

function runChild(dir: string, t: number, i: number, failpoints: string) {
  const env = { ...process.env, CAIRN_FAILPOINTS: failpoints };
  return spawnSync(process.execPath, [child, dir, String(t), String(i)], { env, encoding: 'utf8', timeout: 30_000 });
}

test('a crash just before the rename leaves the previous snapshot and no partial .snap', async () => {
  const dir = tmpDir();
  try {
    await new Snapshotter(dir).save(makeSnap(1, 10));
    const r = runChild(dir, 1, 20, 'snapBeforeRename=exit');
    assert.equal(r.signal, 'SIGKILL', `child should die at the failpoint; stderr: ${r.stderr}`);
    assert.equal(r.stdout, '');
    // The crash point is after the tmp write: the tmp file is there, no new .snap is.
    const after = entries(dir);
    assert.equal(after.length, 2);
    assert.equal(after[0], formatSnapName(1, 10));
    assert.match(after[1] ?? '', /^0000000000000001-0000000000000014\.snap\.\d+\.tmp$/);
    const s = new Snapshotter(dir);
    assert.deepEqual(entries(dir), [formatSnapName(1, 10)]);
    const loaded = await s.load();
    assert.equal(loaded.metadata.index, 10);
    assert.deepEqual(Buffer.from(loaded.data), Buffer.from('state@1/10'));
  } finally {
    rmDir(dir);
  }
});

test('the same child without the failpoint saves the new snapshot (control)', async () => {
  const dir = tmpDir();
  try {
    await new Snapshotter(dir).save(makeSnap(1, 10));
    const r = runChild(dir, 1, 20, '');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'saved');
    const loaded = await new Snapshotter(dir).load();
    assert.equal(loaded.metadata.index, 20);
    assert.equal(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')).length, 0);
    assert.ok(fs.existsSync(path.join(dir, formatSnapName(1, 10))));
  } finally {
    rmDir(dir);
  }
});
