import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { etcdserverpb, walpb } from '../../../server/src/pb/index.js';
import { type EntryType, encodeEntry, index, term } from '../../../server/src/raft/index.js';
import { crc32c, toLong } from '../../../server/src/util/index.js';
import { FrameWriter, padBytes } from '../../../server/src/wal/frame-writer.js';
import { decodeEntryPayload, decodeMetadataIds, decodeRecord, decodeStatePayload, encodeSnapshotPayload } from '../../../server/src/wal/record-codec.js';
import { RecordType } from '../../../server/src/wal/record-type.js';
import { scanFrames } from '../../../server/src/wal/segment-scanner.js';
import { hasZeroSector } from '../../../server/src/wal/zero.js';

/** Splits a writer's output into frames, checking the length word and padding of each. */
function splitFrames(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    const word = buf.readBigUInt64LE(off);
    const len = Number(word & 0xffffffffffffffn);
    const top = Number(word >> 56n);
    const pad = padBytes(len);
    assert.equal(top, pad === 0 ? 0 : 0x80 | pad, `pad marker at ${off}`);
    assert.equal((off + 8 + len + pad) % 8, 0, 'frames are 8-byte aligned');
    assert.ok(buf.subarray(off + 8 + len, off + 8 + len + pad).every((b) => b === 0), 'padding is zero');
    out.push(buf.subarray(off + 8, off + 8 + len));
    off += 8 + len + pad;
  }
  return out;
}

describe('frame writer', () => {
  test('entry records are byte-identical to protobufjs encodings of walpb.Record and raftpb.Entry', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            type: fc.constantFrom<EntryType>(0, 1, 2),
            term: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
            index: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
            data: fc.uint8Array({ maxLength: 300 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.integer({ min: 0, max: 0xffffffff }),
        (es, startCrc) => {
          const w = new FrameWriter(startCrc, 16); // tiny initial buffer: exercises growth
          const entries = es.map((e) => ({ ...e, term: term(e.term), index: index(e.index) }));
          for (const e of entries) w.appendEntry(e);
          const frames = splitFrames(Buffer.from(w.bytes()));
          let crc = startCrc;
          frames.forEach((rec, i) => {
            const data = encodeEntry(entries[i]!);
            crc = crc32c(data, crc);
            const want = walpb.Record.encode({ type: RecordType.Entry, crc, data }).finish();
            assert.deepEqual(Buffer.from(rec), Buffer.from(want));
          });
          assert.equal(w.crc, crc);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a crc record carries the running crc and no data field; other records chain', () => {
    const w = new FrameWriter(0xdeadbeef);
    w.appendCrc();
    w.append(RecordType.Metadata, Uint8Array.of(1, 2, 3));
    const [crcRec, metaRec] = splitFrames(Buffer.from(w.bytes()));
    assert.deepEqual(Buffer.from(crcRec!), Buffer.from(walpb.Record.encode({ type: RecordType.Crc, crc: 0xdeadbeef }).finish()));
    const want = walpb.Record.encode({ type: RecordType.Metadata, crc: crc32c(Uint8Array.of(1, 2, 3), 0xdeadbeef), data: Uint8Array.of(1, 2, 3) }).finish();
    assert.deepEqual(Buffer.from(metaRec!), Buffer.from(want));
    assert.equal(w.crc, crc32c(Uint8Array.of(1, 2, 3), 0xdeadbeef));
  });

  test('reset starts a new write but keeps the chain', () => {
    const w = new FrameWriter(0);
    w.append(RecordType.State, Uint8Array.of(8, 1));
    const crc = w.crc;
    w.reset();
    assert.equal(w.length, 0);
    w.append(RecordType.State, Uint8Array.of(8, 2));
    assert.equal(w.crc, crc32c(Uint8Array.of(8, 2), crc));
  });
});

describe('record decoding', () => {
  test('decodeRecord reads what protobufjs writes and refuses unknown fields and wrong wire types', () => {
    const good = Buffer.from(walpb.Record.encode({ type: 2, crc: 0xffffffff, data: Uint8Array.of(9, 9) }).finish());
    const r = decodeRecord(good);
    assert.equal(r.type, 2);
    assert.equal(r.crc, 0xffffffff);
    assert.deepEqual([...r.data], [9, 9]);
    assert.throws(() => decodeRecord(Buffer.from([0x08, 0x02, 0x20, 0x01])), /unexpected field 4/);
    assert.throws(() => decodeRecord(Buffer.from([0x0a, 0x00])), /unexpected field 1 \(wire type 2\)/);
    assert.throws(() => decodeRecord(Buffer.from([0x08, 0x02, 0x08, 0x02])), /repeated/);
    assert.throws(() => decodeRecord(Buffer.from([0x1a, 0x05, 0x01])), /runs past the end/);
    assert.throws(() => decodeRecord(Buffer.from([0x08, 0x82])), /truncated varint/);
  });

  test('an entry read as a hard state, or a hard state read as an entry, is refused', () => {
    const entry = encodeEntry({ term: term(2), index: index(7), type: 0, data: Uint8Array.of(1) });
    assert.throws(() => decodeStatePayload(entry), /unexpected field 4/);
    const emptyEntry = encodeEntry({ term: term(1), index: index(7), type: 0, data: new Uint8Array(0) });
    assert.throws(() => decodeStatePayload(emptyEntry), /unexpected field 4/);
    // HardState{term 1, vote 3, commit 5} as an entry would be a ConfChange with no data.
    assert.throws(() => decodeEntryPayload(Uint8Array.of(0x08, 0x01, 0x10, 0x03, 0x18, 0x05)), /conf change entry without data/);
    // An empty normal entry without a data field (as etcd writes its leader's empty entry) is fine.
    assert.equal(decodeEntryPayload(Uint8Array.of(0x10, 0x03, 0x18, 0x05)).index, 5);
  });

  test('metadata decodes as etcdserverpb.Metadata ids when it is one, exactly for 64-bit ids', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), (node, cluster) => {
        const bytes = etcdserverpb.Metadata.encode({ NodeID: toLong(node), ClusterID: toLong(cluster) }).finish();
        assert.deepEqual(decodeMetadataIds(bytes), { node, cluster });
      }),
    );
    assert.equal(decodeMetadataIds(Uint8Array.of(0x1a, 0x01, 0x00)), undefined);
    assert.equal(decodeMetadataIds(Buffer.from('opaque')), undefined);
  });

  test('snapshot payload writes index and term even when zero', () => {
    assert.deepEqual([...encodeSnapshotPayload({ index: index(0), term: term(0) })], [0x08, 0x00, 0x10, 0x00]);
  });
});

describe('segment scanner', () => {
  function segment(): Buffer {
    const w = new FrameWriter(0);
    w.appendCrc();
    w.append(RecordType.Metadata, Uint8Array.of(1));
    w.append(RecordType.Entry, encodeEntry({ term: term(1), index: index(1), type: 0, data: Buffer.alloc(1500, 7) }));
    return Buffer.concat([w.bytes(), Buffer.alloc(4096)]);
  }

  test('a clean segment ends at the zero length word', () => {
    const buf = segment();
    const it = scanFrames(buf, 'f', true, { value: 0 });
    const offsets: number[] = [];
    let r = it.next();
    for (; r.done !== true; r = it.next()) offsets.push(r.value.offset);
    assert.equal(offsets.length, 3);
    assert.deepEqual(r.value, { kind: 'clean', offset: buf.length - 4096 });
  });

  test('nonzero bytes after the zero length word are corruption, not end of data', () => {
    const buf = segment();
    buf[buf.length - 5] = 1;
    const it = scanFrames(buf, 'f', true, { value: 0 });
    assert.throws(() => {
      for (let r = it.next(); r.done !== true; r = it.next());
    }, /f at offset \d+: nonzero data after a zero length word/);
  });

  test('hasZeroSector splits at 512-byte file offsets', () => {
    const buf = Buffer.alloc(2048, 1);
    buf.fill(0, 512, 1024);
    assert.equal(hasZeroSector(buf, 100, 1500), true);
    assert.equal(hasZeroSector(buf, 100, 600), true); // [512, 600) is a whole piece, all zero
    buf[1000] = 1;
    assert.equal(hasZeroSector(buf, 100, 1500), false);
  });
});
