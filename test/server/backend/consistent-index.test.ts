import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { Backend, Bucket, CONSISTENT_INDEX_KEY, TERM_KEY } from '../../../server/src/backend/index.js';
import { enableFailpoint, disableFailpoint, FailpointError } from '../../../server/src/util/index.js';
import { revKey, tempDb, withBackend } from './helpers.js';

const child = fileURLToPath(new URL('./fixtures/crash-child.js', import.meta.url));

function runChild(path: string, failpoints: string, ...args: string[]): { status: number | null; signal: NodeJS.Signals | null } {
  const r = spawnSync(process.execPath, [child, path, ...args], {
    env: { ...process.env, CAIRN_FAILPOINTS: failpoints },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0 && r.signal !== 'SIGKILL') assert.fail(`child failed: ${r.stderr}`);
  return { status: r.status, signal: r.signal };
}

/** Rounds whose keys are in the db; asserts each round is all there or all missing. */
function roundsPresent(b: Backend, n: number): number[] {
  const present: number[] = [];
  for (let r = 1; r <= n; r++) {
    const found = [0, 1, 2, 3, 4].filter((j) => b.get(Bucket.key, revKey(r, j)) !== undefined).length;
    assert.ok(found === 0 || found === 5, `round ${r} is torn: ${found} of 5 keys`);
    if (found === 5) present.push(r);
  }
  return present;
}

describe('consistent index', () => {
  test('is 0,0 when absent and 8-byte big-endian in the meta bucket, as etcd writes it', async () => {
    await withBackend(async (b) => {
      assert.deepEqual(b.consistentIndex(), { index: 0, term: 0 });
      b.setConsistentIndex(0x0102030405, 9);
      assert.deepEqual(b.consistentIndex(), { index: 0x0102030405, term: 9 }); // visible before commit
      await b.commit();
      assert.deepEqual(b.get(Bucket.meta, CONSISTENT_INDEX_KEY), Buffer.from([0, 0, 0, 1, 2, 3, 4, 5]));
      assert.deepEqual(b.get(Bucket.meta, TERM_KEY), Buffer.from([0, 0, 0, 0, 0, 0, 0, 9]));
      assert.deepEqual(b.consistentIndex(), { index: 0x0102030405, term: 9 });
      assert.throws(() => b.setConsistentIndex(-1, 1), RangeError);
    });
  });

  test('a commit that fails at the failpoint before LMDB leaves the batch pending; after it, it is durable', async () => {
    await withBackend(async (b) => {
      b.put(Bucket.key, revKey(1), Buffer.from('a'));
      b.setConsistentIndex(1, 1);
      enableFailpoint('backendBeforeCommit', 'throw');
      try {
        await assert.rejects(b.commit(), FailpointError);
      } finally {
        disableFailpoint('backendBeforeCommit');
      }
      assert.equal(b.pendingWrites, 3);
      await b.commit();
      assert.equal(b.pendingWrites, 0);
      assert.deepEqual(b.consistentIndex(), { index: 1, term: 1 });
    });
  });

  for (const [where, failpoints, expectRounds] of [
    ['before the first commit', 'backendBeforeCommit=exit', []],
    ['after the first commit', 'backendAfterCommit=exit', [1]],
    ['before the third commit', 'backendBeforeCommit=count(2)->exit', [1, 2]],
    ['after the third commit', 'backendAfterCommit=count(2)->exit', [1, 2, 3]],
  ] as const) {
    test(`commits data and index together: crash ${where}`, async () => {
      const t = tempDb();
      try {
        const r = runChild(t.path, failpoints, 'rounds', '5');
        assert.equal(r.signal, 'SIGKILL');
        const b = Backend.open(t.path);
        try {
          assert.deepEqual(roundsPresent(b, 5), expectRounds);
          const last = expectRounds.at(-1) ?? 0;
          assert.deepEqual(b.consistentIndex(), { index: last, term: last === 0 ? 0 : 7 });
        } finally {
          await b.close();
        }
      } finally {
        t.cleanup();
      }
    });
  }

  test('without a crash every round is there (the child really commits)', async () => {
    const t = tempDb();
    try {
      assert.equal(runChild(t.path, '', 'rounds', '5').status, 0);
      const b = Backend.open(t.path);
      assert.deepEqual(roundsPresent(b, 5), [1, 2, 3, 4, 5]);
      assert.deepEqual(b.consistentIndex(), { index: 5, term: 7 });
      await b.close();
    } finally {
      t.cleanup();
    }
  });
});
