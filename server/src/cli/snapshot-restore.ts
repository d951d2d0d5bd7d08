import { restoreSnapshot, type RestoreTarget } from '../etcdserver/index.js';
import { parseInitialCluster } from './config-build.js';
import { parseUrls } from './flag-values.js';
import { UsageError } from './errors.js';
import type { Logger } from './logger.js';

export const SNAPSHOT_RESTORE_USAGE = `usage: cairn snapshot restore FILE [--data-dir DIR] [--wal-dir DIR] [--name NAME]
         [--initial-cluster NAME=URL,...] [--initial-cluster-token TOKEN]
         [--initial-advertise-peer-urls URL,...] [--skip-hash-check]`;

/** etcdctl's defaults for restore (a member named "default" on localhost). */
const DEFAULTS: Record<string, string> = {
  name: 'default',
  'initial-cluster': 'default=http://localhost:2380',
  'initial-cluster-token': 'etcd-cluster',
  'initial-advertise-peer-urls': 'http://localhost:2380',
  'data-dir': '',
  'wal-dir': '',
};

/** Parses restore's arguments into a target, with etcdctl's flag names and defaults. */
export function parseRestoreArgs(args: readonly string[]): { file: string; target: RestoreTarget } {
  const values = new Map<string, string>();
  const files: string[] = [];
  let skipHashCheck = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith('-')) {
      files.push(a);
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const flag = eq < 0 ? body : body.slice(0, eq);
    if (flag === 'skip-hash-check') {
      const v = eq < 0 ? 'true' : body.slice(eq + 1);
      if (v !== 'true' && v !== 'false') throw new UsageError(`invalid argument ${JSON.stringify(v)} for "--skip-hash-check" flag`);
      skipHashCheck = v === 'true';
      continue;
    }
    if (!(flag in DEFAULTS)) throw new UsageError(`unknown flag: --${flag}\n${SNAPSHOT_RESTORE_USAGE}`);
    const v = eq < 0 ? args[++i] : body.slice(eq + 1);
    if (v === undefined) throw new UsageError(`flag needs an argument: --${flag}\n${SNAPSHOT_RESTORE_USAGE}`);
    values.set(flag, v);
  }
  if (files.length !== 1) throw new UsageError(`snapshot restore requires exactly one argument\n${SNAPSHOT_RESTORE_USAGE}`);
  const get = (f: string): string => values.get(f) ?? (DEFAULTS[f] as string);
  const name = get('name');
  const initialCluster = new Map(parseInitialCluster(get('initial-cluster')).map((m) => [m.name, m.peerUrls]));
  return {
    file: files[0] as string,
    target: {
      name,
      dataDir: get('data-dir') === '' ? `${name}.etcd` : get('data-dir'),
      walDir: get('wal-dir'),
      peerUrls: parseUrls(get('initial-advertise-peer-urls')),
      initialCluster,
      initialClusterToken: get('initial-cluster-token'),
      skipHashCheck,
    },
  };
}

/** `cairn snapshot restore`: builds a member's data dir from a bbolt snapshot (etcd's or Cairn's). */
export async function snapshotRestoreCommand(args: readonly string[], logger: Logger): Promise<number> {
  const { file, target } = parseRestoreArgs(args);
  const where = { path: file, 'data-dir': target.dataDir, 'wal-dir': target.walDir === '' ? `${target.dataDir}/member/wal` : target.walDir };
  logger.info('restoring snapshot', where);
  const s = await restoreSnapshot(file, target);
  for (const m of s.members) {
    logger.info('added member', { 'cluster-id': s.clusterId.toString(16), 'added-peer-id': m.id.toString(16), 'added-peer-peer-urls': m.peerUrls });
  }
  logger.info('restored snapshot', { ...where, keys: s.copied.get('key') ?? 0, 'member-id': s.memberId.toString(16) });
  return 0;
}
