import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { EMPTY_HARD_STATE, EntryType, emptyConfState, index, nodeId, term } from '../../../server/src/raft/index.js';
import { Wal, dumpWal, validSnapshots } from '../../../server/src/wal/index.js';
import { META, ent, ents, hs, records, segmentFiles, withDir } from './helpers.js';

async function dump(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const l of dumpWal(dir)) out.push(l);
  return out;
}

test('dump lists every record of every segment with a decoded summary', () =>
  withDir(async (dir) => {
    const w = await Wal.create(dir, META, { segmentBytes: 1024 });
    await w.save(hs(1, 0, 0xabc), [
      { term: term(1), index: index(1), type: EntryType.Normal, data: Buffer.from('put foo=bar') },
      { term: term(1), index: index(2), type: EntryType.ConfChange, data: Uint8Array.of(0, 1, 2, 255) },
      { term: term(1), index: index(3), type: EntryType.Normal, data: Buffer.from('x'.repeat(200)) },
      { term: term(1), index: index(4), type: EntryType.ConfChangeV2, data: new Uint8Array(0) },
    ]);
    await w.saveSnapshot({ index: index(2), term: term(1), confState: { ...emptyConfState(), voters: [nodeId(0xabc)] } });
    for (let i = 5; i < 30; i += 5) await w.save(hs(1, i - 1, 0xabc), ents(i, i + 4, 1, 60));
    await w.close();
    const before = segmentFiles(dir).map((f) => fs.readFileSync(f));
    const lines = await dump(dir);
    assert.deepEqual(segmentFiles(dir).map((f) => fs.readFileSync(f)), before, 'dump changes nothing');
    const files = segmentFiles(dir);
    assert.ok(files.length >= 3);
    assert.deepEqual(lines.filter((l) => l.startsWith('segment ')), files.map((f) => `segment ${f}`));
    const recLines = lines.filter((l) => /^ +\d+ /.test(l));
    assert.equal(recLines.length, records(dir).length);
    const has = (re: RegExp) => assert.ok(lines.some((l) => re.test(l)), `no line matches ${re}`);
    has(/^ +0 crc +- +- +\d+ +crc=00000000$/);
    has(/^ +16 metadata .* node=000000000000002a cluster=0000000000000007$/);
    has(/^ +40 snapshot +0 +0 .* snapshot$/);
    has(/ entry +1 +1 .* Normal len=11 "put foo=bar"$/);
    has(/ entry +1 +2 .* ConfChange len=4 0x000102ff$/);
    has(/ entry +1 +3 .* Normal len=200 "x{60}"…$/);
    has(/ entry +1 +4 .* ConfChangeV2 len=0 \(empty\)$/);
    has(/ state +1 +- .* term=1 vote=0000000000000abc commit=0$/);
    has(/ snapshot +1 +2 .* snapshot voters=\[0000000000000abc\] learners=\[\]$/);
    assert.equal(lines.at(-1), `${recLines.length} records in ${files.length} segments`);
    assert.ok(!lines.some((l) => l.startsWith('DAMAGE') || l.startsWith('TORN')));
  }));

test('dump reports a torn tail and damage by file and offset, and needs no lock', () =>
  withDir(async (dir) => {
    const w = await Wal.create(dir, META, { segmentBytes: 4096 });
    await w.save(hs(1, 0), ents(1, 3, 1, 30));
    await w.save(EMPTY_HARD_STATE, [ent(4, 1, 30)]);
    const lastFrame = records(dir).at(-1)!;
    const file = lastFrame.file;
    // Tear the last frame while the WAL is still open (dump takes no lock).
    const buf = fs.readFileSync(file);
    fs.truncateSync(file, lastFrame.offset + 12);
    let lines = await dump(dir);
    assert.equal(lines.at(-2), `TORN ${file} at offset ${lastFrame.offset}: frame of ${lastFrame.size} bytes runs past end of file (open truncates the log here)`);
    // Flip a data bit of the second entry: damage, after the records before it.
    const second = records(dir)[4]!;
    const damaged = Buffer.from(buf);
    damaged[second.offset + 8 + second.size - 1] = (damaged[second.offset + 8 + second.size - 1] ?? 0) ^ 4;
    fs.writeFileSync(file, damaged);
    lines = await dump(dir);
    assert.match(lines.at(-1)!, new RegExp(`^DAMAGE ${file} at offset ${second.offset}: crc mismatch`));
    assert.equal(lines.filter((l) => / entry /.test(l)).length, 1);
    await w.close();
  }));

test('dump of a dir without segments says so; of a sequence gap names the file', () =>
  withDir(async (dir) => {
    assert.deepEqual(await dump(dir), [`no wal segments in ${dir}`]);
    const w = await Wal.create(dir, META, { segmentBytes: 512 });
    for (let i = 1; i < 40; i += 3) await w.save(hs(1, i - 1), ents(i, i + 2, 1, 50));
    await w.close();
    const files = segmentFiles(dir);
    fs.unlinkSync(files[1]!);
    const lines = await dump(dir);
    assert.equal(lines.at(-1), `DAMAGE ${files[2]} at offset 0: segment sequence jumps from 0 to 2`);
  }));

test('validSnapshots tolerates a torn tail and reads across segments', () =>
  withDir(async (dir) => {
    const w = await Wal.create(dir, META, { segmentBytes: 512 });
    await w.save(hs(1, 0), ents(1, 10, 1, 50));
    await w.save(hs(1, 8), []);
    await w.saveSnapshot({ index: index(5), term: term(1) });
    await w.save(hs(1, 10), ents(11, 12, 1, 50));
    await w.saveSnapshot({ index: index(10), term: term(1) });
    await w.close();
    assert.deepEqual((await validSnapshots(dir)).map((s) => s.index), [0, 5, 10]);
    const last = records(dir).at(-1)!;
    fs.truncateSync(last.file, last.offset + 10); // tear the last marker
    assert.deepEqual((await validSnapshots(dir)).map((s) => s.index), [0, 5]);
  }));
