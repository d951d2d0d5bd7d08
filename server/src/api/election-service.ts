import type { EtcdServerApi } from '../etcdserver/server-api.js';
import { CompareResult, CompareTarget } from '../mvcc/index.js';
import { electionService, v3electionpb as epb } from '../pb/index.js';
import {
  type ActingServer, actingFor, bytesEqual, callMethod, clientSide, ElectionNoLeaderError, ElectionNotLeaderError, firstCreated, MissingLeaderKeyError, owns, prefixOf, register,
  sessionLease, type Waiter, waitTurn, withdraw, WaitCancelledError,
} from './concurrency/index.js';
import { headerToPb, i64, kvToPb, num, s64, signed } from './convert.js';
import type { AnyMethod, CallContext } from './grpc/index.js';
import { userOf } from './request-user.js';
import { observeMethod } from './election-observe.js';

const EMPTY = new Uint8Array(0);

/**
 * etcd's v3election service. Candidates put `name/<lease hex>` = value with their lease; the
 * one whose key is oldest leads, and its key's create revision names its term of leadership
 * (LeaderKey.rev): Proclaim and Resign act only while the key still has that revision, so a
 * leader that lost its key (lease ended, resigned) cannot speak for a later one. No state is
 * kept here; etcdctl's client-side `elect` works on the same keys.
 */
export function electionMethods(server: EtcdServerApi): AnyMethod[] {
  const methods = [
    callMethod(electionService.Campaign.path, (b) => epb.CampaignRequest.decode(b), (r: epb.ICampaignResponse) => epb.CampaignResponse.encode(r), (req, call) =>
      clientSide(async () => campaign(await acting(server, call), req, call.signal)),
    ),
    callMethod(electionService.Proclaim.path, (b) => epb.ProclaimRequest.decode(b), (r: epb.IProclaimResponse) => epb.ProclaimResponse.encode(r), (req, call) =>
      clientSide(async () => proclaim(await acting(server, call), req)),
    ),
    callMethod(electionService.Leader.path, (b) => epb.LeaderRequest.decode(b), (r: epb.ILeaderResponse) => epb.LeaderResponse.encode(r), (req, call) =>
      clientSide(async () => leader(await acting(server, call), req)),
    ),
    observeMethod(server),
    callMethod(electionService.Resign.path, (b) => epb.ResignRequest.decode(b), (r: epb.IResignResponse) => epb.ResignResponse.encode(r), (req, call) =>
      clientSide(async () => resign(await acting(server, call), req)),
    ),
  ];
  return methods as AnyMethod[];
}

/**
 * Joins the election and waits to lead. A candidate whose key exists already (same lease) keeps
 * its place and, if the value differs, proclaims the new one first. The header is the one of
 * the joining txn, as etcd's, even when the call waited.
 */
async function campaign(server: ActingServer, req: epb.CampaignRequest, signal: AbortSignal): Promise<epb.ICampaignResponse> {
  const name = req.name ?? EMPTY;
  const value = req.value ?? EMPTY;
  const lease = await sessionLease(server, signed(req.lease));
  const reg = await register(server, name, lease, value);
  const w = reg.waiter;
  if (reg.existing !== undefined && !bytesEqual(reg.existing.value, value)) {
    try {
      await setValue(server, w, value);
    } catch (err) {
      await withdraw(server, w);
      throw err;
    }
  }
  if (signal.aborted) await giveUp(server, w, new WaitCancelledError({ cause: signal.reason }));
  if (!owns(reg)) {
    try {
      await waitTurn(server, w, signal);
    } catch (err) {
      // As etcd: a cancelled campaign resigns; one that failed otherwise leaves its key to its lease.
      if (signal.aborted) await giveUp(server, w, err);
      throw err;
    }
  }
  return {
    header: headerToPb(server.header(reg.revision)),
    leader: { name, key: w.key, rev: i64(w.rev), lease: s64(lease) },
  };
}

async function giveUp(server: ActingServer, w: Waiter, err: unknown): Promise<never> {
  await withdraw(server, w);
  throw err;
}

/** Puts the leader key's value if the key still has its create revision; returns the txn revision. */
async function setValue(server: ActingServer, w: Waiter, value: Uint8Array): Promise<number> {
  const res = await server.txn({
    compare: [{ result: CompareResult.EQUAL, target: CompareTarget.CREATE, key: w.key, createRevision: w.rev }],
    success: [{ put: { key: w.key, value, lease: w.lease } }],
    failure: [],
  });
  if (!res.succeeded) throw new ElectionNotLeaderError();
  return res.header.revision;
}

/** The leader key of a Proclaim or Resign as a waiter; etcd refuses a request without one. */
function leaderOf(l: epb.ILeaderKey | null | undefined): { w: Waiter; lease: bigint } {
  if (l === null || l === undefined) throw new MissingLeaderKeyError();
  const name = l.name ?? EMPTY;
  const lease = signed(l.lease);
  return { w: { prefix: prefixOf(name), key: l.key ?? EMPTY, rev: num(l.rev), lease }, lease };
}

/**
 * A new value from the leader. As etcd's, the put carries the LeaderKey's lease, and a LeaderKey
 * with lease 0 gets a fresh session lease, as etcd's server grants one for it.
 */
async function proclaim(server: ActingServer, req: epb.ProclaimRequest): Promise<epb.IProclaimResponse> {
  const { w, lease } = leaderOf(req.leader);
  const revision = await setValue(server, { ...w, lease: await sessionLease(server, lease) }, req.value ?? EMPTY);
  return { header: headerToPb(server.header(revision)) };
}

/** The current leader's key-value, or "election: no leader". */
async function leader(server: ActingServer, req: epb.LeaderRequest): Promise<epb.ILeaderResponse> {
  const { kv, res } = await firstCreated(server, prefixOf(req.name ?? EMPTY));
  if (kv === undefined) throw new ElectionNoLeaderError();
  return { header: headerToPb(server.header(res.header.revision)), kv: kvToPb(kv) };
}

/** Deletes the leader key if it still has the LeaderKey's revision; not an error otherwise (as etcd). */
async function resign(server: ActingServer, req: epb.ResignRequest): Promise<epb.IResignResponse> {
  const { w } = leaderOf(req.leader);
  const res = await server.txn({
    compare: [{ result: CompareResult.EQUAL, target: CompareTarget.CREATE, key: w.key, createRevision: w.rev }],
    success: [{ deleteRange: { key: w.key } }],
    failure: [],
  });
  return { header: headerToPb(server.header(res.header.revision)) };
}

/** The member acting as the call's user (see ActingServer). */
export async function acting(server: EtcdServerApi, call: CallContext): Promise<ActingServer> {
  return actingFor(server, await userOf(server, call));
}
