import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { EMPTY_HARD_STATE, emptyConfState, index, nodeId, term } from '../../../server/src/raft/index.js';
import { disableFailpoint, enableFailpoint } from '../../../server/src/util/index.js';
import {
  Wal,
  WalExistsError,
  WalInvalidSaveError,
  WalSnapshotMismatchError,
  WalSnapshotNotFoundError,
  WalUnusableError,
  validSnapshots,
} from '../../../server/src/wal/index.js';
import { META, SNAP0, ent, ents, hs, plain, records, withDir } from './helpers.js';

const snap = (i: number, t: number) => ({ index: index(i), term: term(t) });

describe('create and open', () => {
  test('a new wal has one segment: crc 0, metadata, snapshot {0,0}; open returns the metadata', () =>
    withDir(async (dir) => {
      const w = await Wal.create(path.join(dir, 'wal'), META, { segmentBytes: 8192 });
      assert.deepEqual(w.segmentNames, ['0000000000000000-0000000000000000.wal']);
      await w.close();
      const wd = path.join(dir, 'wal');
      assert.equal(Wal.exists(wd), true);
      assert.equal(Wal.exists(dir), false);
      assert.equal(fs.statSync(path.join(wd, w.segmentNames[0]!)).size, 8192, 'preallocated');
      const recs = records(wd).map((r) => r.record);
      assert.deepEqual(recs, [
        { type: 'crc', crc: 0 },
        { type: 'metadata', data: META },
        { type: 'snapshot', snapshot: { index: 0, term: 0 } },
      ]);
      const r = await Wal.open(wd, SNAP0);
      assert.deepEqual(r.metadata, META);
      assert.deepEqual(r.hardState, EMPTY_HARD_STATE);
      assert.deepEqual(r.entries, []);
      await r.wal.close();
    }));

  test('create refuses a dir that already holds a wal', () =>
    withDir(async (dir) => {
      await (await Wal.create(dir, META)).close();
      await assert.rejects(Wal.create(dir, META), WalExistsError);
      // The refused create released its lock: open works.
      await (await Wal.open(dir, SNAP0)).wal.close();
    }));

  test('open returns entries after the snapshot and the last hard state', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META);
      await w.save(hs(1, 0), ents(1, 5, 1));
      await w.save(hs(2, 3, 2), ents(6, 8, 2));
      await w.save(hs(2, 8, 2), []);
      await w.saveSnapshot(snap(4, 1));
      await w.close();
      const r = await Wal.open(dir, snap(4, 1));
      assert.deepEqual(plain(r.entries), plain(ents(5, 5, 1).concat(ents(6, 8, 2))));
      assert.deepEqual(r.hardState, hs(2, 8, 2));
      assert.equal(r.wal.lastIndex, 8);
      await r.wal.close();
      const r0 = await Wal.open(dir, SNAP0);
      assert.equal(r0.entries.length, 8);
      await r0.wal.close();
    }));

  test('an entry with an earlier index replaces it and drops everything after it', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META);
      await w.save(hs(1, 2), ents(1, 6, 1));
      await w.save(hs(3, 2), ents(4, 5, 3)); // a new leader overwrites 4..6 with 4..5
      await w.save(hs(3, 2), [ent(6, 3), ent(7, 3)]);
      await w.save(hs(4, 2), [ent(3, 4)]); // and another overwrites from 3
      await w.close();
      const r = await Wal.open(dir, SNAP0);
      assert.deepEqual(plain(r.entries), plain([...ents(1, 2, 1), ent(3, 4)]));
      assert.equal(r.wal.lastIndex, 3);
      await r.wal.close();
    }));

  test('open at a snapshot that is not in the wal fails; a wrong term is a mismatch', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META);
      await w.save(hs(1, 5), ents(1, 5, 1));
      await w.saveSnapshot(snap(3, 1));
      await w.close();
      await assert.rejects(Wal.open(dir, snap(4, 1)), WalSnapshotNotFoundError);
      await assert.rejects(Wal.open(dir, snap(3, 2)), WalSnapshotMismatchError);
      // Failed opens release the lock.
      const r = await Wal.open(dir, snap(3, 1));
      assert.deepEqual(plain(r.entries), plain(ents(4, 5, 1)));
      await r.wal.close();
    }));

  test('a snapshot marker keeps its conf state; validSnapshots lists markers up to the commit', () =>
    withDir(async (dir) => {
      const cs = { ...emptyConfState(), voters: [nodeId(1), nodeId(0xffffffffffffffffn)], learners: [nodeId(3)] };
      const w = await Wal.create(dir, META);
      await w.save(hs(1, 4), ents(1, 6, 1));
      await w.saveSnapshot({ ...snap(2, 1), confState: cs });
      await w.saveSnapshot(snap(4, 1));
      await w.saveSnapshot(snap(6, 1)); // above the commit: not valid yet
      await w.close();
      const valid = await validSnapshots(dir);
      assert.deepEqual(valid, [{ index: 0, term: 0 }, { index: 2, term: 1, confState: cs }, { index: 4, term: 1 }]);
      const marker = records(dir).find((r) => r.record.type === 'snapshot' && r.record.snapshot.index === 2);
      assert.deepEqual(marker?.record, { type: 'snapshot', snapshot: { index: 2, term: 1, confState: cs } });
    }));

  test('open after a snapshot beyond the last entry (sent by the leader) continues after it', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META);
      await w.save(hs(1, 3), ents(1, 3, 1));
      await w.saveSnapshot(snap(10, 2));
      await w.save(hs(2, 10), ents(11, 12, 2));
      await w.close();
      const r = await Wal.open(dir, snap(10, 2));
      assert.deepEqual(plain(r.entries), plain(ents(11, 12, 2)));
      await r.wal.close();
    }));
});

describe('save', () => {
  test('refuses entries that would leave a gap or are not consecutive, writing nothing', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META);
      await w.save(hs(1, 0), ents(1, 3, 1));
      const tail = w.tailOffset;
      await assert.rejects(w.save(hs(1, 0), [ent(5, 1)]), WalInvalidSaveError);
      await assert.rejects(w.save(hs(1, 0), [ent(4, 1), ent(6, 1)]), WalInvalidSaveError);
      assert.equal(w.tailOffset, tail);
      await w.save(hs(1, 0), [ent(4, 1)]); // still usable
      await w.close();
    }));

  test('an empty hard state with no entries writes nothing; an empty hard state is not written', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META);
      const tail = w.tailOffset;
      await w.save(EMPTY_HARD_STATE, []);
      assert.equal(w.tailOffset, tail);
      await w.save(EMPTY_HARD_STATE, [ent(1, 1)]);
      await w.close();
      assert.deepEqual(
        records(dir).map((r) => r.record.type),
        ['crc', 'metadata', 'snapshot', 'entry'],
      );
    }));

  test('fsyncs exactly once when raft must sync, and not at all for a commit-only change', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META);
      try {
        enableFailpoint('walBeforeFsync', 'throw');
        await w.save(hs(1, 0), []); // term changed from the empty state... must sync
        assert.fail('a term change must sync');
      } catch (e) {
        assert.match(String(e), /failpoint walBeforeFsync/);
      } finally {
        disableFailpoint('walBeforeFsync');
      }
      // The failed fsync made that wal unusable: its disk state is unknown.
      await assert.rejects(w.save(hs(1, 0), []), WalUnusableError);
      await w.close();
    }).then(() =>
      withDir(async (dir) => {
        const w = await Wal.create(dir, META);
        await w.save(hs(1, 0), ents(1, 3, 1));
        enableFailpoint('walBeforeFsync', 'throw');
        try {
          await w.save(hs(1, 2), []); // commit only: no fsync, so the failpoint is not reached
        } finally {
          disableFailpoint('walBeforeFsync');
        }
        enableFailpoint('walBeforeFsync', 'count(1)->throw');
        try {
          await w.save(hs(1, 3), ents(4, 10, 1)); // one fsync: passes the first count
          await assert.rejects(w.save(hs(1, 3), [ent(11, 1)]), /failpoint walBeforeFsync/);
        } finally {
          disableFailpoint('walBeforeFsync');
        }
        await w.close();
        const r = await Wal.open(dir, SNAP0);
        assert.equal(r.entries.length, 11, 'close after a failed fsync does not undo the write');
        await r.wal.close();
      }),
    ));

  test('saves made without awaiting land in call order', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META);
      await Promise.all([w.save(hs(1, 0), ents(1, 2, 1)), w.save(hs(1, 1), ents(3, 4, 1)), w.saveSnapshot(snap(1, 1)), w.save(hs(1, 4), [ent(5, 1)])]);
      await w.close();
      const types = records(dir).slice(3).map((r) => (r.record.type === 'entry' ? r.record.entry.index : r.record.type));
      assert.deepEqual(types, [1, 2, 'state', 3, 4, 'state', 'snapshot', 5, 'state']);
    }));

  test('a closed wal refuses use; close twice is fine', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META);
      await w.close();
      await w.close();
      await assert.rejects(w.save(hs(1, 0), [ent(1, 1)]), WalUnusableError);
      await assert.rejects(w.saveSnapshot(snap(0, 0)), WalUnusableError);
    }));
});
