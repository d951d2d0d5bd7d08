import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Wal } from '../../../server/src/wal/index.js';
import { SNAP0, ents, plain, withDir } from './helpers.js';

const child = fileURLToPath(new URL('./crash-save.child.js', import.meta.url));
const SEG = 4096;

function run(dir: string, failpoints: string, saves = 40) {
  const env = { ...process.env, CAIRN_FAILPOINTS: failpoints };
  const r = spawnSync(process.execPath, [child, dir, String(saves), String(SEG)], { env, encoding: 'utf8', timeout: 60_000 });
  const lines = r.stdout.split('\n').filter(Boolean);
  let acked = 0;
  let inflight: number | undefined;
  for (const l of lines) {
    const saving = /^saving (\d+)-(\d+)$/.exec(l);
    const saved = /^saved (\d+)$/.exec(l);
    if (saving) inflight = Number(saving[2]);
    if (saved) {
      acked = Number(saved[1]);
      inflight = undefined;
    }
  }
  return { r, acked, inflight, done: lines.at(-1) === 'done' };
}

/** Reopens the log and checks: every acked save is there, the in-flight one is whole or absent. */
async function check(dir: string, acked: number, inflight: number | undefined, what: string): Promise<number> {
  const { wal, entries } = await Wal.open(dir, SNAP0, { segmentBytes: SEG });
  await wal.close();
  const last = entries.length;
  assert.ok(last === acked || last === inflight, `${what}: log ends at ${last}, acked ${acked}, in flight ${String(inflight)}`);
  // Every entry, whichever run wrote it, has the content its index determines.
  const want = entries.map((e) => plain(ents(e.index, e.index, 1, 100 + (e.index % 7) * 40))[0]);
  assert.deepEqual(plain(entries), want, what);
  assert.deepEqual(entries.map((e) => e.index), Array.from({ length: last }, (_, i) => i + 1), what);
  return last;
}

test('a crash at any WAL failpoint loses no acknowledged save, and the log reopens cleanly', () =>
  withDir(async (dir) => {
    const crashes = [
      'walBeforeFsync=count(0)->exit',
      'walBeforeFsync=count(1)->exit',
      'walBeforeFsync=count(6)->exit',
      'walBeforeWrite=count(9)->exit',
      'walAfterFsync=count(4)->exit',
      'walBeforeCut=count(0)->exit',
      'walBeforeFsync=count(17)->exit',
      'walBeforeCut=count(2)->exit',
      'walBeforeFsync=count(30)->exit',
    ];
    let prev = 0;
    for (const fp of crashes) {
      const { r, acked, inflight } = run(dir, fp);
      assert.equal(r.signal, 'SIGKILL', `${fp}: child should die at the failpoint; stderr: ${r.stderr}`);
      assert.ok(acked === 0 || acked > prev, `${fp}: the child appended after the last run`);
      const last = await check(dir, Math.max(acked, prev), inflight, fp);
      prev = last;
    }
    assert.ok(prev > 30, `the runs together saved ${prev} entries`);
    // Without failpoints the child runs to the end on the same log.
    const { r, acked, done } = run(dir, '', 10);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(done);
    assert.equal(await check(dir, acked, undefined, 'clean run'), acked);
  }));
