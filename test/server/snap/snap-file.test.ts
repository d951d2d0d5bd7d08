import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type Snapshot, encodeSnapshot, index, nodeId, term } from '../../../server/src/raft/index.js';
import {
  SnapshotCorruptError,
  decodeSnapFile,
  encodeSnapFile,
  formatSnapName,
  parseSnapName,
} from '../../../server/src/snap/index.js';
import { crc32c } from '../../../server/src/util/index.js';
import { makeSnap } from './fixtures/snaps.js';

/** A protobuf varint, written out by hand so the expected bytes do not come from protobufjs. */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

describe('snap file encoding', () => {
  test('is the envelope etcd writes: field 1 crc32c varint, field 2 raft snapshot bytes', () => {
    const snap = makeSnap(3, 42);
    const data = encodeSnapshot(snap);
    const expected = Buffer.from([0x08, ...varint(crc32c(data)), 0x12, ...varint(data.length), ...data]);
    assert.deepEqual(Buffer.from(encodeSnapFile(snap)), expected);
  });

  test('round-trips arbitrary snapshots: 64-bit ids, learners, joint configs, any data', () => {
    const id = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }).map((v) => nodeId(v));
    const ids = fc.array(id, { maxLength: 5 });
    const snapArb = fc.record({
      data: fc.uint8Array({ maxLength: 2048 }),
      term: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      index: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      voters: ids,
      learners: ids,
      votersOutgoing: ids,
      learnersNext: ids,
      autoLeave: fc.boolean(),
    });
    fc.assert(
      fc.property(snapArb, (r) => {
        const snap: Snapshot = {
          data: Buffer.from(r.data),
          metadata: {
            term: term(r.term),
            index: index(r.index),
            confState: {
              voters: r.voters,
              learners: r.learners,
              votersOutgoing: r.votersOutgoing,
              learnersNext: r.learnersNext,
              autoLeave: r.autoLeave,
            },
          },
        };
        const name = parseSnapName(formatSnapName(r.term, r.index));
        assert.ok(name);
        const back = decodeSnapFile(encodeSnapFile(snap), 'f', name);
        assert.deepEqual({ ...back, data: Buffer.from(back.data) }, snap);
      }),
      { numRuns: 300 },
    );
  });

  test('every single-bit flip of a small file is detected', () => {
    const bytes = encodeSnapFile(makeSnap(2, 9, Buffer.from('abc')));
    const name = parseSnapName(formatSnapName(2, 9));
    let checked = 0;
    for (let pos = 0; pos < bytes.length; pos++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = Uint8Array.from(bytes);
        damaged[pos] = (damaged[pos] ?? 0) ^ (1 << bit);
        assert.throws(() => decodeSnapFile(damaged, 'f', name), SnapshotCorruptError, `byte ${pos} bit ${bit}`);
        checked++;
      }
    }
    assert.equal(checked, bytes.length * 8);
  });

  test('every truncation is detected, down to the empty file', () => {
    const bytes = encodeSnapFile(makeSnap(2, 9, Buffer.from('abc')));
    for (let len = 0; len < bytes.length; len++) {
      assert.throws(() => decodeSnapFile(bytes.subarray(0, len), 'f'), SnapshotCorruptError, `length ${len}`);
    }
    assert.throws(() => decodeSnapFile(new Uint8Array(0), 'f'), /empty file/);
  });

  test('the error names the file and the fault', () => {
    const bytes = Uint8Array.from(encodeSnapFile(makeSnap(1, 1)));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    assert.throws(
      () => decodeSnapFile(bytes, '/d/0000000000000001-0000000000000001.snap'),
      (err: unknown) =>
        err instanceof SnapshotCorruptError &&
        err.file === '/d/0000000000000001-0000000000000001.snap' &&
        /crc mismatch/.test(err.message),
    );
    assert.throws(() => decodeSnapFile(Buffer.from('this is not a snapshot file'), 'g'), SnapshotCorruptError);
  });

  test('a missing field is refused even when the CRC of nothing (0) would match', () => {
    assert.throws(() => decodeSnapFile(Buffer.from([0x08, 0x00]), 'f'), /missing data field/);
    assert.throws(() => decodeSnapFile(Buffer.from([0x12, 0x00]), 'f'), /missing crc field/);
  });

  test('a file whose name disagrees with its metadata is refused', () => {
    const bytes = encodeSnapFile(makeSnap(2, 20));
    assert.ok(decodeSnapFile(bytes, 'f', parseSnapName(formatSnapName(2, 20))));
    assert.throws(() => decodeSnapFile(bytes, 'f', parseSnapName(formatSnapName(2, 30))), /name says term 2 index 30/);
    assert.throws(() => decodeSnapFile(bytes, 'f', parseSnapName(formatSnapName(3, 20))), /contents say term 2 index 20/);
  });
});

describe('snap file names', () => {
  test('format and parse agree, and only our exact format parses', () => {
    assert.equal(formatSnapName(0x1f, 0xabc), '000000000000001f-0000000000000abc.snap');
    assert.deepEqual(parseSnapName('000000000000001f-0000000000000abc.snap'), {
      name: '000000000000001f-0000000000000abc.snap',
      term: 0x1fn,
      index: 0xabcn,
    });
    assert.equal(parseSnapName('ffffffffffffffff-ffffffffffffffff.snap')?.term, 0xffffffffffffffffn);
    for (const bad of ['db', 'x.snap', '1-2.snap', '000000000000001F-0000000000000abc.snap', '000000000000001f-0000000000000abc.snap.db', '000000000000001f-0000000000000abc.snap.broken']) {
      assert.equal(parseSnapName(bad), undefined, bad);
    }
  });
});
