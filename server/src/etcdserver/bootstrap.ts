import { mkdirSync } from 'node:fs';
import Long from 'long';
import { etcdserverpb } from '../pb/index.js';
import { MemoryStorage, RawNode, type Snapshot, index, nodeId, term } from '../raft/index.js';
import { Snapshotter } from '../snap/index.js';
import { type RemoteCluster, fetchCluster } from '../transport/index.js';
import { errorMessage, toUint64 } from '../util/index.js';
import { Wal, validSnapshots } from '../wal/index.js';
import { type ServerConfig, snapDir, walDir } from './config.js';
import { BootstrapError } from './errors.js';
import { clusterIdFor, memberIdFor } from './ids.js';
import { memberToJson } from './membership.js';
import type { MemberInfo } from './server-api.js';

/** The raft side of a member, ready to run: log, raft storage, node, identity. */
export interface BootedRaft {
  wal: Wal;
  snapshotter: Snapshotter;
  raftStorage: MemoryStorage;
  node: RawNode;
  memberId: bigint;
  clusterId: bigint;
  /** The snapshot the member restarted from (undefined: none yet). */
  snapshot: Snapshot | undefined;
  /** Members of a new cluster (empty on restart: the backend has them). */
  initialMembers: MemberInfo[];
  /** A member joining an existing cluster: the members the cluster listed, to reach them first. */
  remoteMembers: MemberInfo[];
}

/**
 * Starts raft for a data dir: a new member (no WAL yet) creates the WAL with its identity and
 * bootstraps the initial cluster's conf changes; an existing one loads the newest snapshot the
 * WAL can continue from, opens the WAL there and replays it into raft's storage. Entries the
 * backend already applied are skipped at apply time (the consistent index).
 */
export async function bootRaft(cfg: ServerConfig, random: (n: number) => number): Promise<BootedRaft> {
  mkdirSync(snapDir(cfg), { recursive: true });
  const snapshotter = new Snapshotter(snapDir(cfg), { maxSnapshots: cfg.maxSnapshots });
  if (!Wal.exists(walDir(cfg))) return cfg.initialClusterState === 'existing' ? bootJoin(cfg, snapshotter, random) : bootNew(cfg, snapshotter, random);
  return restart(cfg, snapshotter, random);
}

function raftConfig(cfg: ServerConfig, id: bigint, storage: MemoryStorage, random: (n: number) => number, applied = 0) {
  return {
    id: nodeId(id),
    electionTick: Math.max(2, Math.round(cfg.electionMs / cfg.heartbeatMs)),
    heartbeatTick: 1,
    storage,
    applied: index(applied),
    maxSizePerMsg: 1024 * 1024,
    maxInflightMsgs: 512,
    maxUncommittedEntriesSize: 1 << 30,
    checkQuorum: true,
    preVote: cfg.preVote ?? true,
    random,
  };
}

async function bootNew(cfg: ServerConfig, snapshotter: Snapshotter, random: (n: number) => number): Promise<BootedRaft> {
  const mine = cfg.initialCluster.get(cfg.name);
  if (mine === undefined) throw new BootstrapError(`couldn't find local name "${cfg.name}" in the initial cluster configuration`);
  const members: MemberInfo[] = [...cfg.initialCluster].map(([name, urls]) => ({
    id: memberIdFor(urls, cfg.initialClusterToken),
    name,
    peerUrls: urls,
    clientUrls: name === cfg.name ? cfg.clientUrls : [],
    isLearner: false,
  }));
  const memberId = memberIdFor(mine, cfg.initialClusterToken);
  const clusterId = clusterIdFor(members.map((m) => m.id));
  const wal = await Wal.create(walDir(cfg), walMetadata(memberId, clusterId));
  const raftStorage = new MemoryStorage();
  const node = new RawNode(raftConfig(cfg, memberId, raftStorage, random));
  node.bootstrap(members.map((m) => ({ id: nodeId(m.id), context: Buffer.from(memberToJson(m)) })));
  return { wal, snapshotter, raftStorage, node, memberId, clusterId, snapshot: undefined, initialMembers: members, remoteMembers: [] };
}

function walMetadata(memberId: bigint, clusterId: bigint): Uint8Array {
  return etcdserverpb.Metadata.encode({ NodeID: Long.fromString(memberId.toString(), true), ClusterID: Long.fromString(clusterId.toString(), true) }).finish();
}

/**
 * A member added to a running cluster (`member add`, then started with --initial-cluster-state
 * existing): asks the other members for the cluster, checks that --initial-cluster names the
 * same members by peer URLs, takes its id and the cluster id from the cluster's answer, and
 * starts raft with an empty log and no configuration: the leader sends it the log (or a
 * snapshot), configuration included.
 */
async function bootJoin(cfg: ServerConfig, snapshotter: Snapshotter, random: (n: number) => number): Promise<BootedRaft> {
  if (!cfg.initialCluster.has(cfg.name)) throw new BootstrapError(`couldn't find local name "${cfg.name}" in the initial cluster configuration`);
  const others = [...cfg.initialCluster].filter(([name]) => name !== cfg.name).flatMap(([, urls]) => urls);
  let remote: RemoteCluster;
  try {
    remote = await fetchCluster(others, JOIN_FETCH_TIMEOUT_MS, cfg.peerTls);
  } catch (err) {
    throw new BootstrapError(`cannot fetch cluster info from peer urls: ${errorMessage(err)}`, { cause: err });
  }
  const memberId = assignJoinId(cfg.initialCluster, cfg.name, remote);
  const members = remote.members.map((m) => ({ ...m, peerUrls: [...m.peerUrls], clientUrls: [...m.clientUrls] }));
  const wal = await Wal.create(walDir(cfg), walMetadata(memberId, remote.clusterId));
  const raftStorage = new MemoryStorage();
  const node = new RawNode(raftConfig(cfg, memberId, raftStorage, random));
  return { wal, snapshotter, raftStorage, node, memberId, clusterId: remote.clusterId, snapshot: undefined, initialMembers: [], remoteMembers: members };
}

async function restart(cfg: ServerConfig, snapshotter: Snapshotter, random: (n: number) => number): Promise<BootedRaft> {
  const walSnaps = await validSnapshots(walDir(cfg));
  let snapshot: Snapshot | undefined;
  const candidates = walSnaps.filter((s) => s.index > 0);
  if (candidates.length > 0) snapshot = await snapshotter.loadNewestAvailable(candidates);
  const at = snapshot === undefined ? { index: index(0), term: term(0) } : { index: snapshot.metadata.index, term: snapshot.metadata.term };
  const { wal, metadata, hardState, entries } = await Wal.open(walDir(cfg), at);
  const md = etcdserverpb.Metadata.decode(metadata);
  const memberId = toUint64(md.NodeID);
  const clusterId = toUint64(md.ClusterID);
  const raftStorage = new MemoryStorage();
  if (snapshot !== undefined) raftStorage.applySnapshot(snapshot);
  raftStorage.setHardState(hardState);
  raftStorage.append(entries);
  const node = new RawNode(raftConfig(cfg, memberId, raftStorage, random));
  return { wal, snapshotter, raftStorage, node, memberId, clusterId, snapshot, initialMembers: [], remoteMembers: [] };
}

/** How long a joining member waits for each peer's answer to GET /members. */
const JOIN_FETCH_TIMEOUT_MS = 2000;

/**
 * etcd's check of a joining member's --initial-cluster against the running cluster: the same
 * number of members, and, sorted by peer URLs, the same peer URLs one by one. Returns the id the
 * cluster gave the member named `name`.
 */
export function assignJoinId(initial: ReadonlyMap<string, readonly string[]>, name: string, remote: RemoteCluster): bigint {
  const key = (urls: readonly string[]): string => [...urls].sort().join(',');
  const local = [...initial].map(([n, urls]) => ({ name: n, urls: key(urls) })).sort((a, b) => a.urls.localeCompare(b.urls));
  const existing = remote.members.map((m) => ({ id: m.id, urls: key(m.peerUrls) })).sort((a, b) => a.urls.localeCompare(b.urls));
  const describe = `{cluster ${remote.clusterId.toString(16)}: ${existing.map((m) => `${m.id.toString(16)}=${m.urls}`).join(' ')}}`;
  if (local.length !== existing.length) throw new BootstrapError(`error validating peerURLs ${describe}: member count is unequal`);
  let mine: bigint | undefined;
  local.forEach((l, i) => {
    const e = existing[i];
    if (e === undefined || e.urls !== l.urls) throw new BootstrapError(`error validating peerURLs ${describe}: unmatched member while checking PeerURLs (${l.urls} is not ${e?.urls ?? 'listed'})`);
    if (l.name === name) mine = e.id;
  });
  if (mine === undefined) throw new BootstrapError(`couldn't find local name "${name}" in the initial cluster configuration`);
  return mine;
}
