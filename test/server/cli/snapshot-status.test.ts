import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Backend } from '../../../server/src/backend/index.js';
import { appendSha256, readViewSource, writeBboltFile } from '../../../server/src/backend/bbolt/index.js';
import { humanBytes, snapshotStatus, snapshotStatusCommand } from '../../../server/src/cli/snapshot-status.js';
import { KvStore } from '../../../server/src/mvcc/index.js';

const ETCDCTL = '/usr/bin/etcdctl';

/** A snapshot file of a real store: 500 writes over 120 keys, some deletes, SHA-256 appended; and its revision. */
async function snapshotFile(dir: string): Promise<{ file: string; rev: number }> {
  const backend = Backend.open(join(dir, 'db'));
  const store = await KvStore.open(backend);
  for (let i = 0; i < 500; i++) {
    const w = store.write();
    if (i % 50 === 49) w.deleteRange(Buffer.from(`k${i % 120}`));
    else w.put(Buffer.from(`k${i % 120}`), Buffer.from(`v${i}`.repeat(1 + (i % 9))));
    w.end();
  }
  const path = join(dir, 'snap.db');
  const view = backend.readView();
  try {
    await writeBboltFile(path, readViewSource(view));
  } finally {
    view.release();
  }
  await appendSha256(path);
  const rev = store.rev;
  await backend.close();
  return { file: path, rev };
}

test('sizes print as etcdctl prints them', () => {
  assert.equal(humanBytes(5), '5 B');
  assert.equal(humanBytes(57_344), '57 kB');
  assert.equal(humanBytes(1_234_567), '1.2 MB');
});

test('snapshot status agrees with etcdctl 3.4.23 on the same file, in every format', { skip: existsSync(ETCDCTL) ? false : `${ETCDCTL} is not installed` }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-snapstatus-'));
  try {
    const { file, rev } = await snapshotFile(dir);
    const env = { ...process.env, ETCDCTL_API: '3' };
    for (const format of ['json', 'simple', 'table']) {
      const theirs = execFileSync(ETCDCTL, ['snapshot', 'status', file, '-w', format], { env }).toString().trimEnd();
      const ours: string[] = [];
      assert.equal(snapshotStatusCommand([file, '-w', format], (l) => ours.push(l)), 0);
      assert.equal(ours.join('\n'), theirs, format);
    }
    assert.equal(snapshotStatus(file).revision, rev);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the real binary: a missing file fails with a message naming it', () => {
  const main = new URL('../../../server/src/main.js', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [main, 'snapshot', 'status', '/nonexistent/snap.db']);
  assert.equal(r.status, 1);
  assert.match(r.stderr.toString(), /nonexistent\/snap\.db/);
});
