import { openBbolt } from '../backend/bbolt/index.js';
import { crc32c } from '../util/index.js';
import { UsageError } from './errors.js';

export const SNAPSHOT_STATUS_USAGE = 'usage: cairn snapshot status FILE [-w simple|json|table]';

/** What etcdctl/etcdutl `snapshot status` reports of a bbolt snapshot. */
export interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKey: number;
  totalSize: number;
}

/**
 * etcd's snapshot status of a bbolt file: CRC-32C over every bucket's name, keys and values in
 * order; the revision of the last record of the `key` bucket; the number of keys in all
 * buckets; and the size bbolt counts (pages in use × page size).
 */
export function snapshotStatus(path: string): SnapshotStatus {
  const db = openBbolt(path);
  try {
    db.check();
    let hash = 0;
    let totalKey = 0;
    let revision = 0;
    for (const b of db.buckets()) {
      hash = crc32c(b.name, hash);
      const isKey = Buffer.from(b.name).toString() === 'key';
      for (const [k, v] of db.entries(b.name)) {
        hash = crc32c(v, crc32c(k, hash));
        if (isKey && k.byteLength >= 8) revision = Number(k.readBigUInt64BE(0));
        totalKey++;
      }
    }
    return { hash, revision, totalKey, totalSize: db.highWater * db.pageSize };
  } finally {
    db.close();
  }
}

/** `cairn snapshot status FILE [-w simple|json|table]`, printing as etcdctl prints. */
export function snapshotStatusCommand(args: string[], out: (line: string) => void): number {
  let file: string | undefined;
  let format = 'simple';
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-w' || a === '--write-out') format = args[++i] ?? '';
    else if (a.startsWith('--write-out=') || a.startsWith('-w=')) format = a.slice(a.indexOf('=') + 1);
    else if (file === undefined && !a.startsWith('-')) file = a;
    else throw new UsageError(`unexpected argument "${a}"\n${SNAPSHOT_STATUS_USAGE}`);
  }
  if (file === undefined) throw new UsageError(`snapshot status needs a file\n${SNAPSHOT_STATUS_USAGE}`);
  const s = snapshotStatus(file);
  switch (format) {
    case 'json':
      out(JSON.stringify(s));
      return 0;
    case 'simple':
      out(`${s.hash.toString(16)}, ${s.revision}, ${s.totalKey}, ${humanBytes(s.totalSize)}`);
      return 0;
    case 'table':
      out(table(s));
      return 0;
    default:
      throw new UsageError(`unknown output format "${format}"\n${SNAPSHOT_STATUS_USAGE}`);
  }
}

/** Sizes as etcdctl prints them (go-humanize's SI bytes: "57 kB", "1.2 MB"). */
export function humanBytes(n: number): string {
  if (n < 10) return `${n} B`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const e = Math.floor(Math.log(n) / Math.log(1000));
  const val = Math.floor((n / 1000 ** e) * 10 + 0.5) / 10;
  return val < 10 ? `${val.toFixed(1)} ${units[e]}` : `${val.toFixed(0)} ${units[e]}`;
}

function table(s: SnapshotStatus): string {
  const head = ['HASH', 'REVISION', 'TOTAL KEYS', 'TOTAL SIZE'];
  const row = [s.hash.toString(16), String(s.revision), String(s.totalKey), humanBytes(s.totalSize)];
  const w = head.map((h, i) => Math.max(h.length, (row[i] as string).length));
  const line = `+${w.map((n) => '-'.repeat(n + 2)).join('+')}+`;
  const cells = (xs: string[], right: boolean): string => `|${xs.map((x, i) => ` ${right ? x.padStart(w[i] as number) : center(x, w[i] as number)} `).join('|')}|`;
  return [line, cells(head, false), line, cells(row, true), line].join('\n');
}

function center(s: string, width: number): string {
  const left = Math.floor((width - s.length) / 2);
  return ' '.repeat(left) + s + ' '.repeat(width - s.length - left);
}
