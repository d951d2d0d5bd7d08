import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Long from 'long';
import { ALL_BUCKETS, Backend, Bucket, type BucketName } from '../backend/index.js';
import { type BboltReader, BboltSnapshotHashError, openBbolt, verifySnapshotFile } from '../backend/bbolt/index.js';
import { etcdserverpb } from '../pb/index.js';
import { ConfChangeType, EntryType, type Entry, type Snapshot, encodeConfChangeV1, index, nodeId, term } from '../raft/index.js';
import { Snapshotter } from '../snap/index.js';
import { fsyncDir } from '../util/index.js';
import { Wal } from '../wal/index.js';
import { RestoreError } from './errors.js';
import { clusterIdFor, memberIdFor } from './ids.js';
import { Membership, memberToJson } from './membership.js';
import type { MemberInfo } from './server-api.js';

/** Who the restored member is, and the new cluster it starts: etcd's restore flags. */
export interface RestoreTarget {
  readonly name: string;
  readonly dataDir: string;
  /** Empty or undefined: `dataDir/member/wal`. */
  readonly walDir?: string | undefined;
  readonly peerUrls: readonly string[];
  /** The new cluster: member name → peer URLs. */
  readonly initialCluster: ReadonlyMap<string, readonly string[]>;
  readonly initialClusterToken: string;
  /** Accept a file without the SHA-256 trailer (a db file copied from a data dir). */
  readonly skipHashCheck?: boolean;
}

export interface RestoreSummary {
  readonly memberId: bigint;
  readonly clusterId: bigint;
  readonly members: readonly MemberInfo[];
  /** Pairs copied, per bucket. */
  readonly copied: ReadonlyMap<string, number>;
  /** The raft index the new data dir starts at (one entry per member's conf change). */
  readonly index: number;
}

/**
 * Builds a member's data dir from a bbolt snapshot (Cairn's or etcd's), as etcd's
 * `snapshot restore` does: the snapshot's data with its membership replaced by the new cluster,
 * a WAL holding the new cluster's conf changes, and a raft snapshot at their index, so the
 * member starts as a fresh cluster that already holds the data. Everything is checked before
 * anything is written (the target must not exist; the trailer, every page and every bucket are
 * verified), and the data dir is built beside the target and renamed into place at the end: a
 * refused or failed restore leaves no target behind.
 */
export async function restoreSnapshot(file: string, target: RestoreTarget): Promise<RestoreSummary> {
  const members = membersOf(target);
  const walDir = target.walDir === undefined || target.walDir === '' ? undefined : target.walDir;
  if (existsSync(target.dataDir)) throw new RestoreError(`data-dir ${JSON.stringify(target.dataDir)} exists`);
  if (walDir !== undefined && existsSync(walDir)) throw new RestoreError(`wal-dir ${JSON.stringify(walDir)} exists`);
  if (!existsSync(file)) throw new RestoreError(`open ${file}: no such file or directory`);
  await checkHash(file, target.skipHashCheck === true);
  const db = openBbolt(file);
  const tmpData = besideTmp(target.dataDir);
  const tmpWal = walDir === undefined ? join(tmpData, 'member', 'wal') : besideTmp(walDir);
  try {
    db.check();
    const buckets = knownBuckets(db);
    const memberId = memberIdFor(target.peerUrls, target.initialClusterToken);
    const clusterId = clusterIdFor(members.map((m) => m.id));
    const ids = members.map((m) => m.id);
    const copied = await buildBackend(db, buckets, join(tmpData, 'member', 'snap', 'db'), members);
    await writeRaftState(tmpData, tmpWal, memberId, clusterId, members);
    if (walDir !== undefined) renameInto(tmpWal, walDir);
    renameInto(tmpData, target.dataDir);
    return { memberId, clusterId, members, copied, index: ids.length };
  } catch (err) {
    rmSync(tmpData, { recursive: true, force: true });
    if (walDir !== undefined) rmSync(tmpWal, { recursive: true, force: true });
    throw err;
  } finally {
    db.close();
  }
}

/** The new cluster's members, ordered by id (etcd votes for the first); checks this member is one. */
function membersOf(t: RestoreTarget): MemberInfo[] {
  const mine = t.initialCluster.get(t.name);
  if (mine === undefined) throw new RestoreError(`couldn't find local name ${JSON.stringify(t.name)} in the initial cluster configuration`);
  const sorted = (urls: readonly string[]): string => [...urls].sort().join(',');
  if (sorted(mine) !== sorted(t.peerUrls)) {
    throw new RestoreError(
      `--initial-cluster has ${t.name}=${mine.join(',')} but missing from --initial-advertise-peer-urls=${t.peerUrls.join(',')} ` +
        `(${JSON.stringify(sorted(t.peerUrls))} != ${JSON.stringify(sorted(mine))})`,
    );
  }
  const seen = new Map<string, string>();
  for (const [name, urls] of t.initialCluster) {
    for (const u of urls) {
      const other = seen.get(u);
      if (other !== undefined) throw new RestoreError(`--initial-cluster has duplicate url ${u} (members ${other} and ${name})`);
      seen.set(u, name);
    }
  }
  const members = [...t.initialCluster].map(([name, urls]) => ({
    id: memberIdFor(urls, t.initialClusterToken),
    name,
    peerUrls: [...urls],
    clientUrls: [],
    isLearner: false,
  }));
  return members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** etcd's rule: a file with a trailer must match it; one without needs --skip-hash-check. */
async function checkHash(file: string, skip: boolean): Promise<void> {
  try {
    const { hasHash } = await verifySnapshotFile(file);
    if (!hasHash && !skip) throw new RestoreError('snapshot missing hash but --skip-hash-check=false');
  } catch (err) {
    if (!(err instanceof BboltSnapshotHashError)) throw err;
    // etcd's text (Go prints byte slices as decimal lists), then where: the trailer's offset.
    const bytes = (b: Buffer): string => `[${[...b].join(' ')}]`;
    throw new RestoreError(`expected sha256 ${bytes(err.expected)}, got ${bytes(err.got)} (${err.message})`, { cause: err });
  }
}

/** The snapshot's buckets, each one Cairn keeps; an unknown bucket is refused by name. */
function knownBuckets(db: BboltReader): BucketName[] {
  const known = new Set<string>(ALL_BUCKETS);
  const names: BucketName[] = [];
  for (const b of db.buckets()) {
    const name = b.name.toString('latin1');
    if (!known.has(name)) throw new RestoreError(`${db.file}: bucket ${JSON.stringify(name)} is not one of etcd 3.4's buckets`);
    names.push(name as BucketName);
  }
  return names;
}

/**
 * Copies every bucket except the old membership into a new backend, records the new members,
 * and sets the consistent index to the last of their conf changes (already applied, then).
 */
async function buildBackend(db: BboltReader, buckets: BucketName[], path: string, members: MemberInfo[]): Promise<Map<string, number>> {
  const backend = Backend.open(path);
  const copied = new Map<string, number>();
  try {
    for (const bucket of buckets) {
      if (bucket === Bucket.members || bucket === Bucket.membersRemoved) continue;
      copied.set(bucket, await backend.load(bucket, db.entries(bucket)));
    }
    const membership = new Membership(backend);
    for (const m of members) membership.add(m);
    backend.setConsistentIndex(members.length, 1);
    await backend.commit();
  } finally {
    await backend.close();
  }
  return copied;
}

/**
 * The raft side: a WAL whose metadata names this member and the new cluster, holding one
 * AddNode entry per member at term 1, a hard state committing them (vote: the first member),
 * and a snapshot at the last of them, whose conf state lists every member as a voter.
 */
async function writeRaftState(dataDir: string, walDir: string, memberId: bigint, clusterId: bigint, members: MemberInfo[]): Promise<void> {
  const long = (n: bigint): Long => Long.fromString(n.toString(), true);
  const metadata = etcdserverpb.Metadata.encode({ NodeID: long(memberId), ClusterID: long(clusterId) }).finish();
  const entries: Entry[] = members.map((m, i) => ({
    term: term(1),
    index: index(i + 1),
    type: EntryType.ConfChange,
    data: encodeConfChangeV1({ id: 0n, type: ConfChangeType.AddNode, nodeId: nodeId(m.id), context: Buffer.from(memberToJson(m)) }),
  }));
  const commit = index(members.length);
  const confState = { voters: members.map((m) => nodeId(m.id)), learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
  const snapshot: Snapshot = { data: new Uint8Array(0), metadata: { index: commit, term: term(1), confState } };
  const wal = await Wal.create(walDir, metadata);
  try {
    await wal.save({ term: term(1), vote: nodeId(members[0]?.id ?? 0n), commit }, entries);
    await new Snapshotter(join(dataDir, 'member', 'snap')).save(snapshot);
    await wal.saveSnapshot({ index: commit, term: term(1), confState });
  } finally {
    await wal.close();
  }
}

/** A fresh sibling path to build `path` in, so that the final rename stays on one filesystem. */
function besideTmp(path: string): string {
  const tmp = join(dirname(path), `.${basename(path)}.restore-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  return tmp;
}

function renameInto(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  renameSync(from, to);
  fsyncDir(dirname(to));
}
