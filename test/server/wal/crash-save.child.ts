// Child process for crash.test.ts: opens (or creates) the WAL in argv[2] and saves batches of
// entries, printing "saving a-b" before and "saved b" after each save, until argv[3] saves are
// done. CAIRN_FAILPOINTS makes it die at a chosen point, as a crash would.
import { writeSync } from 'node:fs';
import { Wal } from '../../../server/src/wal/index.js';
import { META, SNAP0, ent, hs } from './helpers.js';

const [dir, savesArg, segArg] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: crash-save.child.js DIR SAVES SEGMENT_BYTES');
const opts = { segmentBytes: Number(segArg ?? 4096) };
const say = (s: string) => writeSync(1, `${s}\n`);

const wal = Wal.exists(dir) ? (await Wal.open(dir, SNAP0, opts)).wal : await Wal.create(dir, META, opts);
for (let n = 0; n < Number(savesArg ?? 50); n++) {
  const first = wal.lastIndex + 1;
  const last = first + (n % 4); // 1 to 4 entries per save
  say(`saving ${first}-${last}`);
  const batch = [];
  for (let i = first; i <= last; i++) batch.push(ent(i, 1, 100 + (i % 7) * 40)); // sizes as crash.test.ts expects
  await wal.save(hs(1, first - 1), batch);
  say(`saved ${last}`);
}
await wal.close();
say('done');
