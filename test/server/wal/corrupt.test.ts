import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { encodeHardState } from '../../../server/src/raft/index.js';
import { type RecordAt, Wal, WalCorruptError, dumpWal } from '../../../server/src/wal/index.js';
import { FrameWriter } from '../../../server/src/wal/frame-writer.js';
import { encodeSnapshotPayload } from '../../../server/src/wal/record-codec.js';
import { RecordType } from '../../../server/src/wal/record-type.js';
import { META, SNAP0, ent, ents, hs, records, segmentFiles, withDir } from './helpers.js';

const opts = { segmentBytes: 1024 };

function rejectsAt(dir: string, file: string, offset: number, what: string): Promise<void> {
  return assert.rejects(Wal.open(dir, SNAP0, opts), (e: unknown) => {
    assert.ok(e instanceof WalCorruptError, `${what}: got ${String(e)}`);
    assert.equal(e.file, file, what);
    assert.equal(e.offset, offset, `${what}: ${e.message}`);
    assert.ok(e.message.includes(`${file} at offset ${offset}`), e.message);
    return true;
  });
}

/** Byte positions of a record's type value, crc value and data inside its file. */
function recordBytes(buf: Buffer, r: RecordAt): { type: number[]; crc: number[]; data: number[] } {
  const start = r.offset + 8;
  let p = start + 3; // length word, 0x08, type, 0x10
  const crc: number[] = [];
  do crc.push(p);
  while ((buf[p++] ?? 0) >= 0x80);
  const data: number[] = [];
  if (p < start + r.size) {
    p++; // 0x1a
    while ((buf[p++] ?? 0) >= 0x80);
    const end = start + r.size;
    data.push(...new Set([p, Math.floor((p + end - 1) / 2), end - 1]));
  }
  return { type: [start + 1], crc, data };
}

describe('corruption is refused, never skipped', () => {
  test('one flipped bit in the type, crc or data of any record, in any segment, names that frame', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META, opts);
      for (let i = 1; i <= 14; i += 2) await w.save(hs(1, i - 1), ents(i, i + 1, 1, 120));
      await w.saveSnapshot({ index: ent(4, 1).index, term: ent(4, 1).term });
      await w.save(hs(2, 14, 2), [ent(15, 2, 0)]);
      await w.close();
      const files = segmentFiles(dir);
      assert.ok(files.length >= 3);
      const originals = new Map(files.map((f) => [f, fs.readFileSync(f)]));
      const recs = records(dir);
      let flips = 0;
      for (const r of recs) {
        const original = originals.get(r.file)!;
        const spots = recordBytes(original, r);
        for (const pos of [...spots.type, ...spots.crc, ...spots.data]) {
          for (let bit = 0; bit < 8; bit++) {
            const buf = Buffer.from(original);
            buf[pos] = (buf[pos] ?? 0) ^ (1 << bit);
            fs.writeFileSync(r.file, buf);
            await rejectsAt(dir, r.file, r.offset, `${r.record.type} record at ${path.basename(r.file)}:${r.offset}, byte ${pos} bit ${bit}`);
            flips++;
          }
        }
        fs.writeFileSync(r.file, original);
      }
      assert.ok(flips > 1000, `${flips} flips`);
      // Untouched, it opens.
      await (await Wal.open(dir, SNAP0, opts)).wal.close();
    }));

  test('a bad padding marker in a length word is corruption', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META, opts);
      await w.save(hs(1, 0), ents(1, 2, 1, 13));
      await w.close();
      const r = records(dir)[3]!;
      const file = r.file;
      const buf = fs.readFileSync(file);
      buf[r.offset + 7] = (buf[r.offset + 7] ?? 0) ^ 0x01;
      fs.writeFileSync(file, buf);
      await rejectsAt(dir, file, r.offset, 'pad marker');
      await assert.rejects(Wal.open(dir, SNAP0, opts), /bad padding byte/);
    }));
});

describe('structural damage with valid CRCs', () => {
  /** Writes segment files built by hand; `build` gets a writer carrying the chain across. */
  function craft(dir: string, segments: ((w: FrameWriter) => void)[]): string[] {
    const w = new FrameWriter(0);
    return segments.map((build, seq) => {
      w.reset();
      build(w);
      const name = path.join(dir, `${seq.toString(16).padStart(16, '0')}-${(seq * 10).toString(16).padStart(16, '0')}.wal`);
      fs.writeFileSync(name, Buffer.concat([w.bytes(), Buffer.alloc(256)]));
      return name;
    });
  }
  const head0 = (w: FrameWriter) => {
    w.appendCrc();
    w.append(RecordType.Metadata, META);
    w.append(RecordType.Snapshot, encodeSnapshotPayload(SNAP0));
  };
  const headN = (meta: Uint8Array) => (w: FrameWriter) => {
    w.appendCrc();
    w.append(RecordType.Metadata, meta);
    w.append(RecordType.State, encodeHardState(hs(1, 0)));
  };

  test('the handcrafted baseline opens', () =>
    withDir(async (dir) => {
      craft(dir, [head0, headN(META)]);
      await (await Wal.open(dir, SNAP0, opts)).wal.close();
    }));

  test('metadata that differs between segments', () =>
    withDir(async (dir) => {
      const [, second] = craft(dir, [head0, headN(Uint8Array.of(8, 43))]);
      await rejectsAt(dir, second!, 16, 'metadata');
      await assert.rejects(Wal.open(dir, SNAP0, opts), /metadata differs/);
    }));

  test('a segment whose crc record does not continue the chain', () =>
    withDir(async (dir) => {
      const [, second] = craft(dir, [
        head0,
        (w) => {
          w.crc ^= 1;
          headN(META)(w);
        },
      ]);
      await rejectsAt(dir, second!, 0, 'crc record');
    }));

  test('an unknown record type, and crc or metadata records outside a header', () =>
    withDir(async (dir) => {
      const cases: [string, (w: FrameWriter) => void, RegExp][] = [
        ['unknown', (w) => w.append(9 as RecordType, Uint8Array.of(1)), /unknown record type 9/],
        ['crc', (w) => w.appendCrc(), /crc record outside the segment header/],
        ['metadata', (w) => w.append(RecordType.Metadata, META), /metadata record outside the segment header/],
      ];
      for (const [what, extra, msg] of cases) {
        for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
        let off = -1;
        const [file] = craft(dir, [
          (w) => {
            head0(w);
            w.append(RecordType.State, encodeHardState(hs(1, 0)));
            off = w.length;
            extra(w);
            w.append(RecordType.State, encodeHardState(hs(1, 0)));
          },
        ]);
        await rejectsAt(dir, file!, off, what);
        await assert.rejects(Wal.open(dir, SNAP0, opts), msg);
      }
    }));

  test('a later segment whose header lacks the hard state', () =>
    withDir(async (dir) => {
      let off = -1;
      const [, second] = craft(dir, [
        head0,
        (w) => {
          w.appendCrc();
          w.append(RecordType.Metadata, META);
          off = w.length;
          w.append(RecordType.Entry, new Uint8Array([0x08, 0x00, 0x10, 0x01, 0x18, 0x01, 0x22, 0x00]));
        },
      ]);
      await rejectsAt(dir, second!, off, 'header');
    }));

  test('dump prints what it read, then the damage', () =>
    withDir(async (dir) => {
      const [, second] = craft(dir, [head0, headN(Uint8Array.of(8, 43))]);
      const lines: string[] = [];
      for await (const l of dumpWal(dir)) lines.push(l);
      assert.equal(lines.filter((l) => /^ +\d+ (crc|metadata|snapshot|state)/.test(l)).length, 4);
      assert.equal(lines.at(-1), `DAMAGE ${second} at offset 16: metadata differs from that of the first segment read`);
    }));
});
