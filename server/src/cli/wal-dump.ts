import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dumpWal } from '../wal/index.js';
import { flagOrEnv } from './env.js';
import { UsageError } from './errors.js';

export const WAL_DUMP_USAGE = `usage: cairn wal dump --data-dir DIR

Prints every record of the member's write-ahead log (DIR/member/wal) in order: segment, type,
index, term, size and a decoded summary. Damage is reported with its file and byte offset;
nothing is repaired and no lock is taken, so it is safe on a live member's copy.`;

export async function walDump(args: string[], out: (line: string) => void): Promise<number> {
  const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help === true) {
    out(WAL_DUMP_USAGE);
    return 0;
  }
  const dataDir = flagOrEnv(values['data-dir'], 'data-dir');
  if (dataDir === undefined || dataDir === '') throw new UsageError('--data-dir is required');
  let damaged = false;
  for await (const line of dumpWal(join(dataDir, 'member', 'wal'))) {
    if (line.startsWith('DAMAGE')) damaged = true;
    out(line);
  }
  return damaged ? 1 : 0;
}
