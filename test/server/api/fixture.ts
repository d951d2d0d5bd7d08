import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { maxReceiveBytes, registerServices, type ApiLimits } from '../../../server/src/api/index.js';
import { GrpcServer } from '../../../server/src/api/grpc/index.js';
import { Backend } from '../../../server/src/backend/index.js';
import { ServerError } from '../../../server/src/etcdserver/errors.js';
import type {
  AlarmMember, AlarmType, EtcdServerApi, Header, LeaseGrantResult, LeaseTimeToLiveResult, MemberChange, MemberInfo, SnapshotStream, StatusInfo,
} from '../../../server/src/etcdserver/server-api.js';
import { type LeaseInfo, LeaseNotFoundError, Lessor } from '../../../server/src/lease/index.js';
import {
  type BackendHash, CompactedError, type DeleteRangeRequest, type DeleteRangeResponse, FutureRevisionError, type KvHash, KvOps,
  type PutRequest, type PutResponse, type RangeRequest, type RangeResponse, type TxnRequest, type TxnResponse, WatchableStore,
  type WatchStream,
} from '../../../server/src/mvcc/index.js';
import type { RpcMethod } from '../../../server/src/pb/index.js';

export const CLUSTER_ID = 0xcdf818194e3a8c32n;
export const MEMBER_ID = 0x8e9e05c52164694dn;
export const RAFT_TERM = 2;
/** The version the test member reports: not etcd's, so a test can tell the two apart. */
export const TEST_VERSION = '3.5.0-cairn-test';

/**
 * A one-member EtcdServerApi over real parts and no raft: a WatchableStore and KvOps on a real
 * backend file, a primary Lessor on a fake clock, fixed ids. Writes apply at once. `failWith`
 * makes the next call of the member throw a chosen error (for the error-mapping tests).
 */
export class TestMember implements EtcdServerApi {
  static async open(dir: string): Promise<TestMember> {
    const backend = Backend.open(join(dir, 'member', 'snap', 'db'), { batchIntervalMs: 3_600_000, batchLimit: 1e9 });
    const clock = { t: 1_000_000 };
    const lessor = Lessor.open(backend, { minLeaseTTL: 1, clock: () => clock.t });
    lessor.promote(0);
    const store = await WatchableStore.open(backend, { leases: lessor });
    return new TestMember(backend, store, lessor, clock);
  }

  readonly memberId = MEMBER_ID;
  readonly clusterId = CLUSTER_ID;
  readonly ops: KvOps;
  leader = true;
  failWith: unknown;
  private readonly alarmList: AlarmMember[] = [];
  private nextLease = 0x1000n;

  private constructor(
    readonly backend: Backend,
    readonly store: WatchableStore,
    readonly lessor: Lessor,
    readonly clock: { t: number },
  ) {
    this.ops = new KvOps(store.kv, lessor);
  }

  private fail(): void {
    const err = this.failWith;
    if (err === undefined) return;
    this.failWith = undefined;
    throw err;
  }

  header(revision?: number): Header {
    return { clusterId: CLUSTER_ID, memberId: MEMBER_ID, revision: revision ?? this.store.rev, raftTerm: RAFT_TERM };
  }

  async range(req: RangeRequest): Promise<RangeResponse> {
    this.fail();
    return this.ops.range(req);
  }

  async put(req: PutRequest): Promise<PutResponse> {
    this.fail();
    return this.ops.put(req).response;
  }

  async deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    this.fail();
    return this.ops.deleteRange(req).response;
  }

  async txn(req: TxnRequest): Promise<TxnResponse> {
    this.fail();
    return this.ops.txn(req).response;
  }

  async compact(revision: number, physical: boolean): Promise<Header> {
    this.fail();
    if (revision <= this.store.kv.compactRev) throw new CompactedError();
    if (revision > this.store.rev) throw new FutureRevisionError();
    const done = this.store.kv.compact(revision);
    if (physical) await done;
    else done.catch(() => undefined);
    return this.header();
  }

  newWatchStream(): WatchStream {
    return this.store.newWatchStream();
  }

  async leaseGrant(id: bigint, ttl: number): Promise<LeaseGrantResult> {
    this.fail();
    const info = this.lessor.grant(id === 0n ? this.nextLease++ : id, ttl);
    return { header: this.header(), id: info.id, ttl: info.ttl };
  }

  async leaseRevoke(id: bigint): Promise<Header> {
    this.fail();
    this.lessor.revoke(id, () => this.store.kv.write());
    return this.header();
  }

  async leaseRenew(id: bigint): Promise<number> {
    this.fail();
    return this.lessor.renew(id);
  }

  async leaseTimeToLive(id: bigint, keys: boolean): Promise<LeaseTimeToLiveResult> {
    this.fail();
    try {
      const t = this.lessor.timeToLive(id);
      return { header: this.header(), id, ttl: t.ttl, grantedTtl: t.grantedTtl, keys: keys ? t.keys : [] };
    } catch (err) {
      if (!(err instanceof LeaseNotFoundError)) throw err;
      return { header: this.header(), id, ttl: -1, grantedTtl: 0, keys: [] };
    }
  }

  async leaseLeases(): Promise<LeaseInfo[]> {
    this.fail();
    return this.lessor.leases();
  }

  /** Members as the membership-change methods leave them (the API tests check the wire, not raft). */
  readonly members: MemberInfo[] = [{ id: MEMBER_ID, name: 'm1', peerUrls: ['http://127.0.0.1:2380'], clientUrls: ['http://127.0.0.1:2379'], isLearner: false }];

  async memberList(): Promise<MemberInfo[]> {
    this.fail();
    return [...this.members];
  }

  async memberAdd(peerUrls: string[], isLearner: boolean): Promise<MemberChange> {
    this.fail();
    const member: MemberInfo = { id: 0x1234n + BigInt(this.members.length), name: '', peerUrls, clientUrls: [], isLearner };
    this.members.push(member);
    return { header: this.header(), member, members: [...this.members] };
  }

  async memberRemove(id: bigint): Promise<MemberChange> {
    this.fail();
    const i = this.members.findIndex((m) => m.id === id);
    if (i < 0) throw new ServerError('memberNotFound');
    const [member] = this.members.splice(i, 1);
    return { header: this.header(), member, members: [...this.members] };
  }

  async memberUpdate(id: bigint, peerUrls: string[]): Promise<MemberChange> {
    this.fail();
    const member = this.members.find((m) => m.id === id);
    if (member === undefined) throw new ServerError('memberNotFound');
    member.peerUrls = peerUrls;
    return { header: this.header(), member, members: [...this.members] };
  }

  async memberPromote(id: bigint): Promise<MemberChange> {
    this.fail();
    const member = this.members.find((m) => m.id === id);
    if (member === undefined) throw new ServerError('memberNotFound');
    if (!member.isLearner) throw new ServerError('memberNotLearner');
    member.isLearner = false;
    return { header: this.header(), member, members: [...this.members] };
  }

  async alarm(action: 'get' | 'activate' | 'deactivate', memberId: bigint, alarm: AlarmType): Promise<AlarmMember[]> {
    this.fail();
    if (action === 'get') return [...this.alarmList];
    const i = this.alarmList.findIndex((a) => a.memberId === memberId && a.alarm === alarm);
    if (action === 'activate') {
      if (i < 0) this.alarmList.push({ memberId, alarm });
      return [{ memberId, alarm }];
    }
    if (i < 0) return [];
    return this.alarmList.splice(i, 1);
  }

  async status(): Promise<StatusInfo> {
    this.fail();
    return {
      version: TEST_VERSION,
      dbSize: this.backend.size(),
      dbSizeInUse: this.backend.sizeInUse(),
      leader: this.leader ? MEMBER_ID : 0n,
      raftIndex: 42,
      raftTerm: RAFT_TERM,
      raftAppliedIndex: 42,
      errors: this.alarmList.map((a) => `memberID:${a.memberId.toString(16)} alarm:${a.alarm}`),
      isLearner: false,
    };
  }

  async defragment(): Promise<void> {
    this.fail();
    await this.backend.defrag();
  }

  async hash(): Promise<BackendHash> {
    this.fail();
    return this.store.kv.hash();
  }

  async hashKV(revision: number): Promise<KvHash> {
    this.fail();
    return this.store.kv.hashKV(revision);
  }

  async snapshot(): Promise<SnapshotStream> {
    this.fail();
    const s = await this.backend.snapshot();
    return { size: s.dbSize, chunks: s.stream };
  }

  async moveLeader(target: bigint): Promise<void> {
    this.fail();
    if (target !== MEMBER_ID) throw new ServerError('badLeaderTransferee');
  }

  // Auth runs through raft in the real member; the API tests of auth use a real member.
  auth(): Promise<never> {
    return Promise.reject(new Error('the API fixture has no auth store'));
  }

  authenticate(): Promise<never> {
    return this.auth();
  }

  hashPassword(): Promise<never> {
    return this.auth();
  }

  authStatus(): { enabled: boolean; revision: number } {
    return { enabled: false, revision: 1 };
  }

  // Auth is off in the fixture: nobody is checked.
  async userOf(): Promise<undefined> {
    return undefined;
  }

  checkAdmin(): void {}

  checkRange(): void {}

  hasLeader(): boolean {
    return this.leader;
  }

  /** Tests set it to see the API answer as a learner. */
  learner = false;

  isLearner(): boolean {
    return this.learner;
  }

  alarms(): AlarmMember[] {
    return [...this.alarmList];
  }

  async close(): Promise<void> {
    this.store.close();
    await this.backend.close();
  }
}

/** A TestMember served by our GrpcServer on a free loopback port, with grpc-js clients for it. */
export class ApiFixture {
  static async start(limits: Partial<ApiLimits> = {}): Promise<ApiFixture> {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-'));
    const member = await TestMember.open(dir);
    const maxRequestBytes = limits.maxRequestBytes ?? 1.5 * 1024 * 1024;
    const grpcServer = new GrpcServer({ maxReceiveMessageLength: maxReceiveBytes({ maxRequestBytes }), closeGraceMs: 200 });
    registerServices(grpcServer, member, limits);
    const port = await grpcServer.listen('127.0.0.1', 0);
    return new ApiFixture(dir, member, grpcServer, `127.0.0.1:${port}`);
  }

  private readonly clients: grpc.Client[] = [];

  private constructor(
    readonly dir: string,
    readonly member: TestMember,
    readonly grpcServer: GrpcServer,
    readonly address: string,
  ) {}

  /** A grpc-js client for a service map of pb/services.ts. */
  client(service: Record<string, RpcMethod<any, any, any, any>>, name: string): grpc.Client {
    const Ctor = grpc.makeGenericClientConstructor(service, name);
    const c = new Ctor(this.address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 });
    this.clients.push(c);
    return c;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.close();
    await this.grpcServer.close(200);
    await this.member.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs fn against a fresh fixture and tears it down. */
export async function withApi(fn: (f: ApiFixture) => Promise<void>, limits: Partial<ApiLimits> = {}): Promise<void> {
  const f = await ApiFixture.start(limits);
  try {
    await fn(f);
  } finally {
    await f.close();
  }
}
