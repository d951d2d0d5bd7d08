import { existsSync } from 'node:fs';
import { AlarmStore, Applier, type ApplyOutcome, type AuthOp, type AuthResult, type MemberRequest, type RequestUser, checkTxn, decodeRequest, encodeRequest } from '../apply/index.js';
import { Backend, Bucket } from '../backend/index.js';
import { AuthError, type AuthStore } from '../auth/index.js';
import type { LeaseInfo, Lessor } from '../lease/index.js';
import {
  type BackendHash,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type KvHash,
  KvOps,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type TxnRequest,
  type TxnResponse,
  WatchableStore,
  type WatchStream,
} from '../mvcc/index.js';
import {
  EMPTY_HARD_STATE, EntryType, type Entry, type Index, ProposalDroppedError, type Ready, type Snapshot, confChangeOfEntry, decodeConfChangeV1, index, nodeId,
} from '../raft/index.js';
import { type Logger, errorMessage, failpoint, nopLogger, tracer } from '../util/index.js';
import { AutoCompactor } from './auto-compactor.js';
import type { BootedRaft } from './bootstrap.js';
import { type ServerConfig, requestTimeoutMs } from './config.js';
import { ServerError, type ServerErrorKind } from './errors.js';
import { IdGenerator } from './ids.js';
import { Membership } from './membership.js';
import { checkConfChange } from './reconfig.js';
import { ReadIndexer } from './read-index.js';
import { Waiters } from './waiters.js';
import type {
  AlarmMember,
  AlarmType,
  EtcdServerApi,
  Header,
  LeaseGrantResult,
  LeaseTimeToLiveResult,
  MemberChange,
  MemberInfo,
  SnapshotStream,
  StatusInfo,
} from './server-api.js';
import type { ServerMetrics } from './metrics.js';
import { openParts } from './open-parts.js';
import { exportSnapshot } from './snapshot-export.js';
import { Snapshots } from './snapshots.js';
import { withoutDigest } from './saved-database.js';
import { MemberChanges } from './member-changes.js';
import { Peers, type TransportFactory } from './peers.js';
import { LeaseFront } from './lease-front.js';
import { LeaseRefusal } from '../transport/index.js';

const trace = tracer('etcdserver');

/** The etcd version Cairn reports (its API level); Cairn's own version travels beside it. */
export const ETCD_VERSION = '3.5.0';

/**
 * One etcd member (etcd's EtcdServer): raft over the WAL, the Ready loop with group commit,
 * the apply path into the MVCC store and lessor, proposals and their waiters, linearizable
 * reads by ReadIndex, raft snapshots, and the lessor's expiry loop. Single-threaded: every
 * Ready is handled to the end (WAL written and fsynced, entries applied) before the next.
 */
export class EtcdServer implements EtcdServerApi {
  static async start(cfg: ServerConfig, opts: { logger?: Logger; transport?: TransportFactory } = {}): Promise<EtcdServer> {
    const log = opts.logger ?? nopLogger;
    const { booted, metrics, backend, lessor, auth, store, setWaitApplied } = await openParts(cfg, log);
    const s = new EtcdServer(cfg, booted, backend, lessor, store, auth, metrics, log);
    setWaitApplied((i) => s.waitApplied(i));
    for (const m of booted.initialMembers) if (m.id === booted.memberId) s.membership.add(m);
    if (opts.transport !== undefined) {
      const members = booted.initialMembers.length > 0 ? booted.initialMembers : booted.remoteMembers.length > 0 ? booted.remoteMembers : s.membership.list();
      try {
        await s.peers.start(opts.transport, booted.clusterId, metrics.registry, members);
      } catch (err) {
        await s.stop();
        throw err;
      }
    }
    s.startLoops();
    return s;
  }

  readonly memberId: bigint;
  readonly clusterId: bigint;
  private readonly membership: Membership;
  private readonly ops: KvOps;
  private readonly alarmStore: AlarmStore;
  private readonly applier: Applier;
  private readonly ids: IdGenerator;
  private readonly waiters: Waiters<ApplyOutcome>;
  /** Membership changes waiting to be applied: undefined when accepted, else why refused. */
  private readonly changes: MemberChanges;
  private readonly reads: ReadIndexer;
  private readonly snapshots: Snapshots;
  private readonly peers: Peers;
  private readonly leases: LeaseFront;
  private proposals: { id: bigint; data: Uint8Array }[] = [];
  private appliedWaits: { index: number; resolve: () => void }[] = [];
  private flushScheduled = false;
  private readyScheduled = false;
  private processing: Promise<void> = Promise.resolve();
  private appliedIndex: Index;
  private term = 0;
  private leader = 0n;
  /** When this member last learned of an elected leader (Date.now()). */
  private leaderElectedAt = 0;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private campaigned = false;
  private published = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private onStopped: (why: string | undefined) => void = () => undefined;
  private readonly stoppedSignal = new Promise<string | undefined>((resolve) => (this.onStopped = resolve));

  private constructor(
    private readonly cfg: ServerConfig,
    private readonly raft: BootedRaft,
    private readonly backend: Backend,
    private readonly lessor: Lessor,
    private readonly store: WatchableStore,
    private readonly authStore: AuthStore,
    /** etcd's metrics of this member (served on /metrics). */
    readonly metrics: ServerMetrics,
    private readonly log: Logger,
  ) {
    metrics.quotaBackendBytes.set(cfg.quotaBackendBytes);
    this.memberId = raft.memberId;
    this.clusterId = raft.clusterId;
    this.membership = new Membership(backend);
    this.ops = new KvOps(store.kv, lessor);
    this.alarmStore = new AlarmStore(backend);
    this.applier = new Applier({ store, ops: this.ops, lessor, alarms: this.alarmStore, members: this.membership, auth: authStore });
    this.ids = new IdGenerator(raft.memberId, Date.now());
    this.waiters = new Waiters(requestTimeoutMs(cfg), () => metrics.proposalsFailed.inc(), (start, id) => this.proposalTimeout(start, id));
    const confWaiters = new Waiters<ServerErrorKind | undefined>(requestTimeoutMs(cfg), () => metrics.proposalsFailed.inc(), (start) => this.timeoutError(start));
    this.appliedIndex = raft.snapshot?.metadata.index ?? index(0);
    this.reads = new ReadIndexer(raft.memberId, raft.node, () => this.scheduleReady(), () => this.appliedIndex, requestTimeoutMs(cfg));
    this.snapshots = new Snapshots(cfg, raft, backend, () => this.appliedIndex, log, (err) => this.fatal(err));
    this.peers = new Peers({
      node: raft.node,
      memberId: raft.memberId,
      wake: () => this.scheduleReady(),
      isRemoved: (id) => this.membership.isRemoved(id),
      renewLocal: async (id) => {
        this.refuseUnlessLeaderHas(id);
        return this.lessor.renew(id);
      },
      timeToLiveLocal: async (id, keys) => {
        this.refuseUnlessLeaderHas(id);
        const t = this.lessor.timeToLive(id);
        return { ttl: t.ttl, grantedTtl: t.grantedTtl, keys: keys ? t.keys : [] };
      },
      openDatabase: async () => {
        const snap = await this.backend.snapshot();
        return { size: snap.dbSize, chunks: withoutDigest(snap.stream, snap.dbSize) };
      },
      saveDatabase: (at, db) => this.snapshots.saveDatabase(at, db),
      appliedMetadata: () => {
        const r = this.raft.node.raft;
        return { index: this.appliedIndex, term: r.raftLog.term(this.appliedIndex), confState: r.trk.confState() };
      },
      members: () => this.membership.list(),
      removed: (by) => this.removedFromCluster(by),
      promoteLocal: (id) => this.changes.promoteForFollower(id),
      log,
    });
    this.leases = new LeaseFront({
      memberId: raft.memberId,
      lessor,
      peers: this.peers,
      leader: () => this.leader,
      header: (rev) => this.header(rev),
      write: (req, user) => this.write(req, user),
      checkQuota: () => this.checkQuota(),
      requireUser: (user) => this.requireUser(user),
      nextId: () => this.ids.next(),
      linearizable: () => this.reads.wait(),
    });
    this.changes = new MemberChanges(
      {
        cfg,
        node: raft.node,
        membership: this.membership,
        peers: this.peers,
        memberId: raft.memberId,
        log,
        nextId: () => this.ids.next(),
        isStopped: () => this.stopped,
        scheduleReady: () => this.scheduleReady(),
        header: () => this.header(),
        removedFromCluster: (by) => this.removedFromCluster(by),
        leader: () => this.leader,
      },
      confWaiters,
    );
  }

  /** A follower's forwarded lease request is answered only by the leader, and only for a lease it has. */
  private refuseUnlessLeaderHas(id: bigint): void {
    if (this.leader !== this.memberId) throw new LeaseRefusal('notLeader');
    if (this.lessor.lookup(id) === undefined) throw new LeaseRefusal('notFound');
  }

  // ---- the loops --------------------------------------------------------------------------

  private startLoops(): void {
    const tick = setInterval(() => {
      this.raft.node.tick();
      this.scheduleReady();
    }, this.cfg.heartbeatMs);
    const leases = setInterval(() => this.revokeExpiredLeases(), 500);
    const compactor = new AutoCompactor(this.cfg.autoCompactionMode, this.cfg.autoCompactionRetention, {
      now: Date.now,
      rev: () => this.store.rev,
      compactRev: () => this.store.kv.compactRev,
      compact: (rev) => {
        if (this.leader !== this.memberId) return Promise.resolve();
        this.log.info('auto compaction', { mode: this.cfg.autoCompactionMode, revision: rev });
        return this.compact(rev, false);
      },
    });
    const compaction = setInterval(() => compactor.check(), 1000);
    for (const t of [tick, leases, compaction]) t.unref();
    this.timers.push(tick, leases, compaction);
    this.campaignIfAlone();
    this.scheduleReady();
  }

  private scheduleReady(): void {
    if (this.readyScheduled || this.stopped) return;
    this.readyScheduled = true;
    setImmediate(() => {
      this.readyScheduled = false;
      this.processing = this.processing.then(() => this.processReadies()).catch((err: unknown) => this.fatal(err));
    });
  }

  /** Handles every pending Ready in order: persist, apply, advance. */
  private async processReadies(): Promise<void> {
    const node = this.raft.node;
    while (!this.stopped && node.hasReady()) {
      const rd = node.ready();
      // The leader's appends go out while it writes the same entries to its WAL; what must
      // wait for the fsync (votes, acknowledgements) goes after.
      this.peers.send(rd.messages);
      await this.persist(rd);
      if (rd.snapshot !== undefined) await this.installSnapshot(rd.snapshot);
      this.peers.send(rd.messagesAfterPersist);
      this.apply(rd);
      node.advance(rd);
      this.campaignIfAlone();
      this.reads.onReadStates(rd.readStates);
      this.snapshots.maybeSnapshot(this.raft.node);
    }
  }

  private async persist(rd: Ready): Promise<void> {
    if (rd.softState !== undefined) this.onLeaderChange(rd.softState.lead, rd.softState.raftState === 'StateLeader');
    if (rd.hardState !== undefined) this.term = rd.hardState.term;
    if (rd.snapshot !== undefined) await this.snapshots.saveIncoming(rd.snapshot);
    const t0 = performance.now();
    await this.raft.wal.save(rd.hardState ?? EMPTY_HARD_STATE, rd.entries);
    if (rd.mustSync) this.metrics.walFsync.observe((performance.now() - t0) / 1000);
    if (rd.snapshot !== undefined) this.raft.raftStorage.applySnapshot(rd.snapshot);
    if (rd.hardState !== undefined) this.raft.raftStorage.setHardState(rd.hardState);
    if (rd.entries.length > 0) this.raft.raftStorage.append(rd.entries);
  }

  /**
   * A snapshot from the leader, saved with raft's metadata: its database replaces the backend
   * and everything held in memory is rebuilt from it (store index, leases, members, alarms);
   * entries after the snapshot that the database already holds are skipped by their index.
   */
  private async installSnapshot(snap: Snapshot): Promise<void> {
    const at = snap.metadata.index;
    const file = this.snapshots.dbFile(at);
    if (!existsSync(file)) throw new Error(`raft snapshot at index ${at} has no database: ${file} is missing`);
    const before = { revision: this.store.rev, 'consistent-index': this.backend.consistentIndex().index };
    failpoint('raftBeforeInstallSnapshot');
    await this.store.restore((rebuild) =>
      this.backend.replaceWith(file, () => {
        failpoint('raftAfterSnapshotSwap');
        this.lessor.recover(this.backend);
        this.authStore.recover();
        rebuild();
        this.membership.reload();
        this.alarmStore.reload();
      }),
    );
    this.snapshots.removeDatabasesUpTo(at);
    this.peers.syncMembers(this.membership.list());
    this.appliedIndex = at;
    this.log.info('applied snapshot from the leader', {
      'snapshot-index': at,
      'previous-revision': before.revision,
      'previous-consistent-index': before['consistent-index'],
      'current-revision': this.store.rev,
      'consistent-index': this.backend.consistentIndex().index,
    });
  }

  /** Applies committed entries in order, each with its consistent index, exactly once. */
  private apply(rd: Ready): void {
    const ci = this.backend.consistentIndex().index;
    let done: Entry | undefined;
    try {
      for (const e of rd.committedEntries) {
        if (e.index > ci) {
          this.applyEntry(e);
          done = e;
        } else if (e.type !== EntryType.Normal) this.applyConfChange(e, false); // raft's config lives in memory
        this.appliedIndex = e.index;
      }
      if (done !== undefined) failpoint('applyBeforeConsistentIndex');
    } finally {
      // Once per Ready, not per entry: no backend commit can run inside this synchronous loop,
      // so the index lands in the same batch as every effect before it. After a failure it
      // names the last entry applied whole, as it would have entry by entry.
      if (done !== undefined) this.backend.setConsistentIndex(done.index, done.term);
    }
    this.reads.onApplied();
    if (this.appliedWaits.length > 0) {
      const ready = this.appliedWaits.filter((w) => w.index <= this.appliedIndex);
      this.appliedWaits = this.appliedWaits.filter((w) => w.index > this.appliedIndex);
      for (const w of ready) w.resolve();
    }
  }

  /**
   * Resolves once the entry at `index` is applied here (a simple token is known only after its
   * Authenticate entry is), or after the request timeout: a token naming an index never reached
   * is then simply unknown.
   */
  waitApplied(index: number): Promise<void> {
    if (index <= this.appliedIndex || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, requestTimeoutMs(this.cfg));
      t.unref();
      this.appliedWaits.push({ index, resolve: () => (clearTimeout(t), resolve()) });
    });
  }

  private applyEntry(e: Entry): void {
    if (e.type === EntryType.Normal) {
      if (e.data.byteLength > 0) {
        let decoded: ReturnType<typeof decodeRequest>;
        try {
          decoded = decodeRequest(e.data);
        } catch (err) {
          throw new ServerError('corrupt', { cause: new Error(`entry ${e.index} is not a request: ${errorMessage(err)}`) });
        }
        const outcome = this.applier.apply(decoded.req, e.index, decoded.user);
        this.waiters.resolve(decoded.id, outcome);
      }
    } else {
      this.applyConfChange(e, true);
    }
  }

  /**
   * A committed membership change: raft always takes it (its configuration is rebuilt from
   * the log on restart); the members bucket only when the backend has not seen the entry.
   */
  private applyConfChange(e: Entry, toBackend: boolean): void {
    if (e.type !== EntryType.ConfChange) {
      // Joint changes (V2) come only from raft-level tooling; the member proposes V1 changes.
      const cc = confChangeOfEntry(e);
      if (cc !== undefined) this.raft.node.applyConfChange(cc);
      return;
    }
    const cc = decodeConfChangeV1(e.data);
    const marker = Buffer.from(`refused-conf-change/${e.index.toString(16)}`);
    // The bootstrap entries (id 0) describe the initial cluster: always applied. A refused
    // change is remembered, so that replaying it after a restart refuses it again.
    let refused: ServerErrorKind | undefined;
    if (toBackend) refused = cc.id === 0n ? undefined : checkConfChange(cc, this.membership, this.cfg.maxLearners ?? 1);
    else refused = this.backend.get(Bucket.cluster, marker) === undefined ? undefined : 'memberNotFound';
    this.raft.node.applyConfChange(refused === undefined ? cc : { ...cc, nodeId: nodeId(0n) });
    if (!toBackend) return;
    if (refused !== undefined) this.backend.put(Bucket.cluster, marker, Buffer.from(refused));
    this.changes.applied(cc, refused);
  }

  /**
   * This member was removed: it learned so from the log, or a peer refused it as removed (the
   * leader stops sending to a removed member, so it may never see the entry). It stops serving.
   */
  private removedFromCluster(by: bigint): void {
    if (this.stopped) return;
    this.log.error('this member was removed from the cluster; stopping', { 'local-member-id': this.memberId.toString(16), 'told-by': by.toString(16) });
    setImmediate(() => void this.stop('the member has been permanently removed from the cluster'));
  }

  /**
   * A member that is the only voter need not wait out an election timeout: it campaigns as soon
   * as it knows the configuration (at once when new; after replaying the log on restart).
   */
  private campaignIfAlone(): void {
    const r = this.raft.node.raft;
    if (this.campaigned || r.state !== 'StateFollower' || r.lead !== 0n) return;
    const voters = r.trk.voterNodes();
    if (voters.length !== 1 || voters[0] !== r.id) return;
    this.campaigned = true;
    this.raft.node.campaign();
  }

  /**
   * A proposal that timed out. One still queued here never reached raft (there was no leader
   * all along): it is dropped, never to be proposed later, and fails as etcd's does when its
   * blocked Propose gives up — Go's bare "context deadline exceeded". Otherwise etcd's timeouts.
   */
  private proposalTimeout(start: number, id: bigint): ServerError {
    const queued = this.proposals.findIndex((p) => p.id === id);
    if (queued < 0) return this.timeoutError(start);
    this.proposals.splice(queued, 1);
    return new ServerError('deadlineExceeded');
  }

  /**
   * Which of etcd's timeouts a request started at `start` ran into: the leader was lost and a
   * new one elected meanwhile; the member could not reach a quorum (a leader) or its leader (a
   * follower) since it started; or plainly timed out.
   */
  private timeoutError(start: number): ServerError {
    const elected = this.leaderElectedAt;
    if (start < elected && start > elected - 2 * this.cfg.electionMs) return new ServerError('timeoutDueToLeaderFail');
    const peers = this.membership.list().filter((m) => m.id !== this.memberId && !m.isLearner).length;
    if (this.leader === this.memberId && this.peers.activePeers() + 1 < Math.floor((peers + 1) / 2) + 1) return new ServerError('timeoutDueToConnectionLost');
    if (this.leader !== 0n && this.leader !== this.memberId && this.peers.activePeers() === 0) return new ServerError('timeoutDueToConnectionLost');
    return new ServerError('timeout');
  }

  private onLeaderChange(lead: bigint, isLeader: boolean): void {
    const was = this.leader === this.memberId;
    const previous = this.leader;
    if (lead !== previous) {
      // Linearizable reads waiting on the old leader's word fail, as etcd's do.
      if (previous !== 0n) this.reads.failAll(new ServerError('leaderChanged'));
      if (lead !== 0n) this.leaderElectedAt = Date.now();
    }
    if (lead !== 0n && lead !== this.leader) this.metrics.leaderChanges.inc();
    this.leader = lead;
    this.metrics.hasLeader.set(lead === 0n ? 0 : 1);
    this.metrics.isLeader.set(isLeader ? 1 : 0);
    if (isLeader && !was) this.lessor.promote(this.cfg.electionMs);
    if (!isLeader && was) this.lessor.demote();
    if (lead !== previous) {
      const fields = { 'local-member-id': this.memberId.toString(16), term: this.raft.node.raft.term };
      if (lead === 0n) this.log.warn('lost the leader', { ...fields, 'previous-leader': previous.toString(16) });
      else this.log.info('elected leader', { ...fields, leader: lead.toString(16) });
    }
    if (lead !== 0n) this.flushProposals();
    if (lead !== 0n && !this.published) this.publish();
  }

  /**
   * Publishes this member's name and client URLs through raft once it runs (etcd's publish),
   * so that every member lists them; retried until it is applied.
   */
  private publish(): void {
    if (this.stopped || this.published) return;
    this.published = true;
    this.write({ kind: 'memberAttrSet', memberId: this.memberId, name: this.cfg.name, clientUrls: this.cfg.clientUrls }).then(
      () => this.log.info('published local member to cluster through raft', { 'local-member-id': this.memberId.toString(16), 'client-urls': this.cfg.clientUrls }),
      (err: unknown) => {
        this.published = false;
        if (this.stopped) return;
        this.log.warn('failed to publish local member; retrying', { error: errorMessage(err) });
        const t = setTimeout(() => this.publish(), 500);
        t.unref();
      },
    );
  }

  private revokeExpiredLeases(): void {
    if (this.stopped || this.leader !== this.memberId) return;
    for (const id of this.lessor.expiredLeases(500)) {
      this.propose({ kind: 'leaseRevoke', id }).catch((err: unknown) => trace('revoking expired lease %s: %s', id.toString(16), errorMessage(err)));
    }
  }

  private fatal(err: unknown): void {
    // A failure in the Ready loop (a WAL write, a corrupt entry) leaves the member in an unknown
    // state: stop serving rather than answer from it.
    this.log.error('member stopping on a fatal error', { error: errorMessage(err) });
    if (this.log === nopLogger) process.stderr.write(`cairn: member stopping: ${errorMessage(err)}\n`);
    void this.stop(`fatal: ${errorMessage(err)}`);
  }

  // ---- proposals --------------------------------------------------------------------------

  /**
   * Proposes a request and resolves with its apply outcome. Everything proposed in one turn of
   * the event loop goes to raft as one batch: one WAL write and one fsync for all of it.
   */
  private propose(req: MemberRequest, user?: RequestUser): Promise<ApplyOutcome> {
    if (this.stopped) return Promise.reject(new ServerError('stopped'));
    const id = this.ids.next();
    const data = encodeRequest(id, req, user);
    if (data.byteLength > this.cfg.maxRequestBytes) return Promise.reject(new ServerError('requestTooLarge'));
    const p = this.waiters.register(id);
    this.proposals.push({ id, data });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flushProposals();
      });
    }
    return p;
  }

  private flushProposals(): void {
    if (this.proposals.length === 0) return;
    const batch = this.proposals;
    try {
      this.raft.node.proposeMany(batch.map((p) => p.data));
      this.proposals = [];
    } catch (err) {
      // No leader yet: keep them; they go when one is elected, or time out.
      if (!(err instanceof ProposalDroppedError)) throw err;
      return;
    }
    this.scheduleReady();
  }

  private async write(req: MemberRequest, user?: RequestUser): Promise<Exclude<ApplyOutcome, { ok: false }>['response']> {
    const outcome = await this.propose(req, user);
    if (!outcome.ok) throw outcome.error;
    return outcome.response;
  }

  // ---- membership changes (member-changes.ts) ----------------------------------------------

  memberAdd(peerUrls: string[], isLearner: boolean): Promise<MemberChange> {
    return this.changes.add(peerUrls, isLearner);
  }

  memberRemove(id: bigint): Promise<MemberChange> {
    return this.changes.remove(id);
  }

  memberUpdate(id: bigint, peerUrls: string[]): Promise<MemberChange> {
    return this.changes.update(id, peerUrls);
  }

  memberPromote(id: bigint): Promise<MemberChange> {
    return this.changes.promote(id);
  }

  // ---- EtcdServerApi ----------------------------------------------------------------------

  async auth(op: AuthOp, user?: RequestUser): Promise<{ header: Header; result: AuthResult }> {
    const r = await this.write({ kind: 'auth', op }, this.requireUser(user));
    if (r.kind !== 'auth') throw new Error('auth answered with ' + r.kind);
    return { header: this.header(), result: r.result };
  }

  async authenticate(name: string, password: string): Promise<{ header: Header; token: string }> {
    await this.authStore.checkPassword(name, password);
    const r = await this.write({ kind: 'auth', op: { op: 'authenticate', name, simpleToken: this.authStore.genTokenPrefix() } });
    if (r.kind !== 'auth' || r.result.token === undefined) throw new Error('authenticate answered without a token');
    return { header: this.header(), token: await r.result.token };
  }

  async hashPassword(password: string): Promise<string> {
    return (await this.authStore.hashPassword(password)).toString();
  }

  authStatus(): { enabled: boolean; revision: number } {
    return { enabled: this.authStore.isEnabled(), revision: this.authStore.revision() };
  }

  /**
   * Who a client acts as (undefined with auth off): its token's user; without a token, the common
   * name of the TLS certificate it was verified with, as of the current auth revision (etcd's
   * AuthInfoFromTLS). A token wins over the certificate, and a bad token is refused, not ignored.
   */
  async userOf(token: string | undefined, commonName?: string): Promise<RequestUser | undefined> {
    if (!this.authStore.isEnabled()) return undefined;
    if (token !== undefined && token !== '') return this.authStore.authInfoFromToken(token);
    return commonName === undefined ? undefined : { username: commonName, revision: this.authStore.revision() };
  }

  checkAdmin(user: RequestUser | undefined): void {
    this.authStore.isAdminPermitted(user);
  }

  checkRange(user: RequestUser | undefined, key: Uint8Array, rangeEnd: Uint8Array | undefined): void {
    this.authStore.isRangePermitted(user, key, rangeEnd ?? new Uint8Array(0));
  }

  /**
   * With auth on, a client's write must name its user: it is checked as that user when applied
   * (a request without one would be taken for the member's own, which is not checked).
   */
  private requireUser(user: RequestUser | undefined): RequestUser | undefined {
    if (this.authStore.isEnabled() && user === undefined) throw new AuthError('userEmpty');
    return user;
  }

  header(revision?: number): Header {
    return { clusterId: this.clusterId, memberId: this.memberId, revision: revision ?? this.store.rev, raftTerm: this.term };
  }

  async range(req: RangeRequest, user?: RequestUser): Promise<RangeResponse> {
    this.checkRange(user, req.key, req.rangeEnd);
    if (req.serializable !== true) await this.reads.wait();
    return this.ops.range(req);
  }

  async put(req: PutRequest, user?: RequestUser): Promise<PutResponse> {
    this.checkQuota();
    const r = await this.write({ kind: 'put', req }, this.requireUser(user));
    if (r.kind !== 'put') throw new Error('put answered with ' + r.kind);
    return r.res;
  }

  async deleteRange(req: DeleteRangeRequest, user?: RequestUser): Promise<DeleteRangeResponse> {
    const r = await this.write({ kind: 'deleteRange', req }, this.requireUser(user));
    if (r.kind !== 'deleteRange') throw new Error('delete answered with ' + r.kind);
    return r.res;
  }

  async txn(req: TxnRequest, user?: RequestUser): Promise<TxnResponse> {
    const readOnly = [...req.success, ...req.failure].every((op) => op.range !== undefined);
    if (readOnly) {
      // etcd serves a read-only txn like a range: after ReadIndex, without raft.
      if (this.authStore.isEnabled()) checkTxn(this.authStore, this.requireUser(user) as RequestUser, req);
      await this.reads.wait();
      return this.ops.txn(req).response;
    }
    this.checkQuota();
    const r = await this.write({ kind: 'txn', req }, this.requireUser(user));
    if (r.kind !== 'txn') throw new Error('txn answered with ' + r.kind);
    return r.res;
  }

  async compact(revision: number, physical: boolean): Promise<Header> {
    const r = await this.write({ kind: 'compaction', revision, physical });
    if (r.kind !== 'compaction') throw new Error('compaction answered with ' + r.kind);
    if (physical) await r.done;
    return this.header(r.revision);
  }

  newWatchStream(): WatchStream {
    return this.store.newWatchStream();
  }

  leaseGrant(id: bigint, ttl: number): Promise<LeaseGrantResult> {
    return this.leases.grant(id, ttl);
  }

  leaseRevoke(id: bigint, user?: RequestUser): Promise<Header> {
    return this.leases.revoke(id, user);
  }

  leaseRenew(id: bigint): Promise<number> {
    return this.leases.renew(id);
  }

  leaseTimeToLive(id: bigint, keys: boolean): Promise<LeaseTimeToLiveResult> {
    return this.leases.timeToLive(id, keys);
  }

  leaseLeases(): Promise<LeaseInfo[]> {
    return this.leases.leases();
  }

  async memberList(linearizable: boolean): Promise<MemberInfo[]> {
    if (linearizable) await this.reads.wait();
    return this.membership.list();
  }

  async alarm(action: 'get' | 'activate' | 'deactivate', memberId: bigint, alarm: AlarmType): Promise<AlarmMember[]> {
    if (action === 'get') return this.alarms().filter((a) => alarm === 'NONE' || a.alarm === alarm);
    const r = await this.write({ kind: 'alarm', action, memberId, alarm });
    if (r.kind !== 'alarm') throw new Error('alarm answered with ' + r.kind);
    return r.alarms.map((a) => ({ memberId: a.memberId, alarm: a.alarm }));
  }

  async status(): Promise<StatusInfo> {
    const hs = this.raft.node.basicStatus().hardState;
    return {
      version: ETCD_VERSION,
      dbSize: this.backend.size(),
      dbSizeInUse: this.backend.sizeInUse(),
      leader: this.leader,
      raftIndex: this.raft.node.raft.raftLog.lastIndex(),
      raftTerm: hs.term,
      raftAppliedIndex: this.appliedIndex,
      errors: this.alarms().map((a) => `memberID:${a.memberId.toString(16)} alarm:${a.alarm}`),
      isLearner: this.raft.node.raft.isLearner,
    };
  }

  async defragment(): Promise<void> {
    const before = this.backend.size();
    const t0 = performance.now();
    this.log.info('defragmenting', { 'current-db-size-bytes': before });
    await this.backend.defrag();
    this.log.info('finished defragmenting', { 'current-db-size-bytes': this.backend.size(), 'previous-db-size-bytes': before, took: `${Math.round(performance.now() - t0)}ms` });
  }

  async hash(): Promise<BackendHash> {
    return this.store.kv.hash();
  }

  async hashKV(revision: number): Promise<KvHash> {
    return this.store.kv.hashKV(revision);
  }

  async snapshot(): Promise<SnapshotStream> {
    return exportSnapshot(this.backend, this.cfg);
  }

  moveLeader(target: bigint): Promise<void> {
    return this.changes.moveLeader(target);
  }

  /** The members as this member knows them now (no read barrier). */
  membersNow(): MemberInfo[] {
    return this.membership.list();
  }

  isLearner(): boolean {
    return this.raft.node.raft.isLearner;
  }

  /** The leader this member knows (0: none). */
  leaderId(): bigint {
    return this.leader;
  }

  hasLeader(): boolean {
    return this.leader !== 0n;
  }

  alarms(): AlarmMember[] {
    return this.alarmStore.get().map((a) => ({ memberId: a.memberId, alarm: a.alarm }));
  }

  /** Brings the gauges that are read rather than counted up to date (before /metrics answers). */
  refreshMetrics(): void {
    const log = this.raft.node.raft.raftLog;
    this.metrics.proposalsCommitted.set(log.committed);
    this.metrics.proposalsApplied.set(this.appliedIndex);
    this.metrics.proposalsPending.set(this.waiters.size);
    this.metrics.dbTotalSize.set(this.backend.size());
    this.metrics.dbTotalSizeInUse.set(this.backend.sizeInUse());
  }

  /** NOSPACE: a write past the quota raises the alarm (through raft) and is refused. */
  private checkQuota(): void {
    if (this.alarmStore.has('NOSPACE')) throw new ServerError('noSpace');
    if (this.backend.size() <= this.cfg.quotaBackendBytes) return;
    this.log.warn('database space exceeded; raising the NOSPACE alarm', { 'quota-size-bytes': this.cfg.quotaBackendBytes, 'current-db-size-bytes': this.backend.size() });
    this.propose({ kind: 'alarm', action: 'activate', memberId: this.memberId, alarm: 'NOSPACE' }).catch(() => undefined);
    throw new ServerError('noSpace');
  }

  /** Resolves when the member begins to stop, with why if it stopped on its own (removed, a fatal error). */
  whenStopped(): Promise<string | undefined> {
    return this.stoppedSignal;
  }

  /**
   * Stops the loops, fails waiting requests, and closes the WAL, store and backend. Every call
   * resolves once all of that is done, also one made while the member is already stopping.
   */
  stop(why?: string): Promise<void> {
    this.stopping ??= this.shutDown(why);
    return this.stopping;
  }

  private async shutDown(why: string | undefined): Promise<void> {
    this.stopped = true;
    this.onStopped(why);
    for (const t of this.timers) clearInterval(t);
    const stopped = new ServerError('stopped');
    this.waiters.rejectAll(stopped);
    this.changes.waiters.rejectAll(stopped);
    this.reads.failAll(stopped);
    await this.processing.catch(() => undefined);
    await this.peers.close();
    await this.snapshots.settled();
    this.store.close();
    await this.raft.wal.close();
    await this.backend.close();
  }
}
