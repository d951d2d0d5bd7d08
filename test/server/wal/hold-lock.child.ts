// Child process for lock.test.ts: opens (or creates) the WAL in argv[2], prints "locked", and
// holds it until its stdin closes; then closes the WAL and prints "released".
import { writeSync } from 'node:fs';
import { Wal } from '../../../server/src/wal/index.js';
import { META, SNAP0 } from './helpers.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: hold-lock.child.js DIR');
const wal = Wal.exists(dir) ? (await Wal.open(dir, SNAP0)).wal : await Wal.create(dir, META);
writeSync(1, 'locked\n');
process.stdin.resume();
process.stdin.on('end', () => {
  wal.close().then(
    () => writeSync(1, 'released\n'),
    (e: unknown) => writeSync(2, `${String(e)}\n`),
  );
});
