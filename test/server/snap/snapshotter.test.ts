import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type Snapshot, index, nodeId, term } from '../../../server/src/raft/index.js';
import {
  InvalidSnapshotError,
  NoSnapshotError,
  SnapshotCorruptError,
  Snapshotter,
  SnapshotterConfigError,
  encodeSnapFile,
  formatSnapName,
} from '../../../server/src/snap/index.js';
import { FailpointError, disableFailpoint, enableFailpoint } from '../../../server/src/util/index.js';
import { entries, makeSnap, rmDir, tmpDir } from './fixtures/snaps.js';

/** Compares snapshots with data as plain bytes (a load returns a Buffer view). */
function same(actual: Snapshot, expected: Snapshot): void {
  assert.deepEqual({ ...actual, data: Buffer.from(actual.data) }, { ...expected, data: Buffer.from(expected.data) });
}

let dir = '';
beforeEach(() => {
  dir = tmpDir();
});
afterEach(() => {
  rmDir(dir);
});

describe('save and load', () => {
  test('round-trips metadata and data of every size, leaving exactly one file', async () => {
    const cs = {
      voters: [nodeId(1n), nodeId(0xffffffffffffffffn)],
      learners: [nodeId(0x8000000000000001n)],
      votersOutgoing: [nodeId(3n)],
      learnersNext: [nodeId(4n)],
      autoLeave: true,
    };
    const sizes = [0, 1, 4096, 1 << 20];
    for (const [i, size] of sizes.entries()) {
      const data = Buffer.alloc(size, i + 1);
      const snap = makeSnap(7, 1000 + i, data, cs);
      await new Snapshotter(dir).save(snap);
      same(await new Snapshotter(dir).load(), snap);
    }
    assert.deepEqual(entries(dir), sizes.map((_, i) => formatSnapName(7, 1000 + i)));
  });

  test('the file holds exactly the encoded envelope', async () => {
    const snap = makeSnap(1, 2);
    await new Snapshotter(dir).save(snap);
    assert.deepEqual(fs.readFileSync(path.join(dir, formatSnapName(1, 2))), Buffer.from(encodeSnapFile(snap)));
  });

  test('an empty snapshot (index 0) is skipped', async () => {
    await new Snapshotter(dir).save(makeSnap(0, 0));
    assert.deepEqual(entries(dir), []);
  });

  test('a term or index that is not a safe integer is refused', async () => {
    const s = new Snapshotter(dir);
    await assert.rejects(s.save(makeSnap(1, 1.5)), InvalidSnapshotError);
    await assert.rejects(s.save(makeSnap(2 ** 53, 1)), InvalidSnapshotError);
    assert.deepEqual(entries(dir), []);
  });

  test('saving the same (term, index) again replaces the file', async () => {
    const s = new Snapshotter(dir);
    await s.save(makeSnap(1, 10, Buffer.from('first')));
    await s.save(makeSnap(1, 10, Buffer.from('second')));
    same(await s.load(), makeSnap(1, 10, Buffer.from('second')));
    assert.deepEqual(entries(dir), [formatSnapName(1, 10)]);
  });

  test('concurrent saves all land', async () => {
    const s = new Snapshotter(dir);
    await Promise.all([1, 2, 3, 4, 5].map((i) => s.save(makeSnap(1, i))));
    assert.deepEqual(s.list(), [5, 4, 3, 2, 1].map((i) => formatSnapName(1, i)));
  });

  test('the directory is created when missing', async () => {
    const sub = path.join(dir, 'member', 'snap');
    await new Snapshotter(sub).save(makeSnap(1, 1));
    assert.deepEqual(entries(sub), [formatSnapName(1, 1)]);
  });

  test('with no snapshot files, load throws NoSnapshotError', async () => {
    fs.writeFileSync(path.join(dir, 'db'), 'backend');
    await assert.rejects(new Snapshotter(dir).load(), NoSnapshotError);
  });
});

describe('ordering', () => {
  test('newest is the highest (term, index); names that are not ours are ignored and kept', async () => {
    const s = new Snapshotter(dir);
    for (const [t, i] of [[1, 100], [2, 5], [1, 200], [2, 50], [0x10, 1], [9, 0xffff]] as const) {
      await s.save(makeSnap(t, i));
    }
    const others = ['db', 'db-lock', `${formatSnapName(99, 99)}.db`, `${formatSnapName(98, 1)}.broken`, 'notes.snap'];
    for (const o of others) fs.writeFileSync(path.join(dir, o), 'not a snapshot');
    const order = [[0x10, 1], [9, 0xffff], [2, 50], [2, 5], [1, 200], [1, 100]] as const;
    assert.deepEqual(s.list(), order.map(([t, i]) => formatSnapName(t, i)));
    same(await s.load(), makeSnap(0x10, 1));
    for (const o of others) assert.equal(fs.readFileSync(path.join(dir, o), 'utf8'), 'not a snapshot');
  });
});

describe('damage', () => {
  const OLD = makeSnap(1, 10, Buffer.from('old'));
  const NEW_NAME = formatSnapName(1, 20);

  /** With a valid older snapshot present, a damaged newer file must be set aside and skipped. */
  async function expectFallback(damaged: Uint8Array, what: string): Promise<void> {
    fs.writeFileSync(path.join(dir, NEW_NAME), damaged);
    const loaded = await new Snapshotter(dir).load();
    same(loaded, OLD);
    const broken = path.join(dir, `${NEW_NAME}.broken`);
    assert.deepEqual(entries(dir), [formatSnapName(1, 10), `${NEW_NAME}.broken`], what);
    assert.deepEqual(fs.readFileSync(broken), Buffer.from(damaged), `${what}: bytes kept`);
    fs.unlinkSync(broken);
  }

  beforeEach(async () => {
    await new Snapshotter(dir).save(OLD);
  });

  test('every bit flip of a small file is detected and set aside', async () => {
    const good = encodeSnapFile(makeSnap(1, 20, Buffer.from('abc')));
    for (let pos = 0; pos < good.length; pos++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = Uint8Array.from(good);
        damaged[pos] = (damaged[pos] ?? 0) ^ (1 << bit);
        await expectFallback(damaged, `byte ${pos} bit ${bit}`);
      }
    }
  });

  test('every byte replaced by 0x00 or 0xff is detected', async () => {
    const good = encodeSnapFile(makeSnap(1, 20, Buffer.from('abc')));
    for (let pos = 0; pos < good.length; pos++) {
      for (const v of [0x00, 0xff]) {
        if (good[pos] === v) continue;
        const damaged = Uint8Array.from(good);
        damaged[pos] = v;
        await expectFallback(damaged, `byte ${pos} = ${v}`);
      }
    }
  });

  test('truncation at every offset, including the empty file, is detected', async () => {
    const good = encodeSnapFile(makeSnap(1, 20, Buffer.from('abc')));
    for (let len = 0; len < good.length; len++) await expectFallback(good.subarray(0, len), `truncated to ${len}`);
  });

  test('garbage and trailing junk are detected', async () => {
    await expectFallback(Buffer.from('garbage garbage garbage'), 'text');
    await expectFallback(Buffer.alloc(100, 0), 'zeros');
    const good = encodeSnapFile(makeSnap(1, 20));
    await expectFallback(Buffer.concat([good, Buffer.from([0])]), 'one trailing byte');
    await expectFallback(Buffer.concat([good, good]), 'doubled');
  });

  test('a valid file under the wrong name is detected', async () => {
    await expectFallback(encodeSnapFile(makeSnap(1, 15)), 'index differs');
    await expectFallback(encodeSnapFile(makeSnap(2, 20)), 'term differs');
  });

  test('a directory in place of a file is set aside', async () => {
    fs.mkdirSync(path.join(dir, NEW_NAME));
    same(await new Snapshotter(dir).load(), OLD);
    assert.ok(fs.statSync(path.join(dir, `${NEW_NAME}.broken`)).isDirectory());
  });

  test('the damage is reported to onBroken, naming the file', async () => {
    fs.writeFileSync(path.join(dir, NEW_NAME), 'junk');
    const seen: SnapshotCorruptError[] = [];
    await new Snapshotter(dir, { onBroken: (e) => seen.push(e) }).load();
    assert.equal(seen.length, 1);
    assert.ok(seen[0] instanceof SnapshotCorruptError);
    assert.equal(seen[0].file, path.join(dir, NEW_NAME));
  });

  test('an earlier .broken file is not overwritten', async () => {
    fs.writeFileSync(path.join(dir, `${NEW_NAME}.broken`), 'first incident');
    fs.writeFileSync(path.join(dir, NEW_NAME), 'second incident');
    same(await new Snapshotter(dir).load(), OLD);
    assert.equal(fs.readFileSync(path.join(dir, `${NEW_NAME}.broken`), 'utf8'), 'first incident');
    assert.equal(fs.readFileSync(path.join(dir, `${NEW_NAME}.broken.1`), 'utf8'), 'second incident');
  });

  test('when every file is damaged, NoSnapshotError lists them and all bytes are kept', async () => {
    const oldName = formatSnapName(1, 10);
    fs.writeFileSync(path.join(dir, oldName), 'bad');
    fs.writeFileSync(path.join(dir, NEW_NAME), '');
    await assert.rejects(new Snapshotter(dir).load(), (err: unknown) => {
      assert.ok(err instanceof NoSnapshotError);
      assert.deepEqual(err.broken, [NEW_NAME, oldName]);
      return true;
    });
    assert.deepEqual(entries(dir), [`${oldName}.broken`, `${NEW_NAME}.broken`]);
    await assert.rejects(new Snapshotter(dir).load(), (err: unknown) => err instanceof NoSnapshotError && err.broken.length === 0);
  });
});

describe('loadNewestAvailable', () => {
  const cand = (t: number, i: number) => ({ term: term(t), index: index(i) });

  beforeEach(async () => {
    const s = new Snapshotter(dir);
    for (const [t, i] of [[1, 10], [1, 20], [2, 30]] as const) await s.save(makeSnap(t, i));
  });

  test('returns the newest file among the candidates', async () => {
    const s = new Snapshotter(dir);
    same(await s.loadNewestAvailable([cand(1, 10), cand(1, 20)]), makeSnap(1, 20));
    same(await s.loadNewestAvailable([cand(5, 99), cand(1, 10)]), makeSnap(1, 10));
    same(await s.loadNewestAvailable([cand(0, 0), cand(1, 10), cand(1, 20), cand(2, 30)]), makeSnap(2, 30));
  });

  test('throws NoSnapshotError when no candidate has a file', async () => {
    const s = new Snapshotter(dir);
    await assert.rejects(s.loadNewestAvailable([]), NoSnapshotError);
    await assert.rejects(s.loadNewestAvailable([cand(2, 10), cand(1, 30)]), NoSnapshotError);
  });

  test('skips a damaged candidate, and leaves non-candidates alone even when damaged', async () => {
    fs.writeFileSync(path.join(dir, formatSnapName(1, 20)), 'junk');
    fs.writeFileSync(path.join(dir, formatSnapName(2, 30)), 'junk too');
    same(await new Snapshotter(dir).loadNewestAvailable([cand(1, 10), cand(1, 20)]), makeSnap(1, 10));
    assert.deepEqual(entries(dir), [formatSnapName(1, 10), `${formatSnapName(1, 20)}.broken`, formatSnapName(2, 30)]);
  });
});

describe('purge', () => {
  test('keeps exactly the newest maxSnapshots files and returns the rest', async () => {
    const s = new Snapshotter(dir, { maxSnapshots: 3 });
    for (let i = 1; i <= 8; i++) await s.save(makeSnap(i < 5 ? 1 : 2, i * 10));
    fs.writeFileSync(path.join(dir, 'db'), 'backend');
    fs.writeFileSync(path.join(dir, `${formatSnapName(1, 1)}.broken`), 'kept for the operator');
    const removed = await s.purge();
    assert.deepEqual(removed, [50, 40, 30, 20, 10].map((i) => formatSnapName(i < 50 ? 1 : 2, i)));
    assert.deepEqual(s.list(), [80, 70, 60].map((i) => formatSnapName(2, i)));
    assert.deepEqual(await s.purge(), []);
    assert.ok(fs.existsSync(path.join(dir, 'db')));
    assert.ok(fs.existsSync(path.join(dir, `${formatSnapName(1, 1)}.broken`)));
  });

  test('defaults to five; maxSnapshots 0 keeps everything; bad values are refused', async () => {
    const s = new Snapshotter(dir);
    for (let i = 1; i <= 7; i++) await s.save(makeSnap(1, i));
    assert.deepEqual(await new Snapshotter(dir, { maxSnapshots: 0 }).purge(), []);
    assert.equal(s.list().length, 7);
    assert.deepEqual(await s.purge(), [formatSnapName(1, 2), formatSnapName(1, 1)]);
    assert.throws(() => new Snapshotter(dir, { maxSnapshots: -1 }), SnapshotterConfigError);
    assert.throws(() => new Snapshotter(dir, { maxSnapshots: 2.5 }), SnapshotterConfigError);
  });
});

describe('interrupted saves', () => {
  test('tmp leftovers are removed at construction and never listed', async () => {
    await new Snapshotter(dir).save(makeSnap(1, 10));
    const leftover = `${formatSnapName(1, 20)}.0.tmp`;
    fs.writeFileSync(path.join(dir, leftover), Buffer.from(encodeSnapFile(makeSnap(1, 20))).subarray(0, 5));
    fs.writeFileSync(path.join(dir, 'unrelated.tmp'), 'not ours');
    assert.deepEqual(entries(dir), [formatSnapName(1, 10), leftover, 'unrelated.tmp']);
    const s = new Snapshotter(dir);
    assert.deepEqual(entries(dir), [formatSnapName(1, 10), 'unrelated.tmp']);
    same(await s.load(), makeSnap(1, 10));
  });

  test('a failure before the rename leaves no tmp file and the old snapshot loadable', async () => {
    const s = new Snapshotter(dir);
    await s.save(makeSnap(1, 10));
    enableFailpoint('snapBeforeRename', 'throw');
    try {
      await assert.rejects(s.save(makeSnap(1, 20)), FailpointError);
    } finally {
      disableFailpoint('snapBeforeRename');
    }
    assert.deepEqual(entries(dir), [formatSnapName(1, 10)]);
    same(await s.load(), makeSnap(1, 10));
    await s.save(makeSnap(1, 20));
    same(await s.load(), makeSnap(1, 20));
  });
});
