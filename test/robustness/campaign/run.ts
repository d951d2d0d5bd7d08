// One seeded robustness run: a cluster up, workloads and a fault schedule for a while, every fault
// healed, the members converged (same HashKV), final reads of every key on every member recorded
// into the history, then the linearizability checker, the watch and final-state validators and
// the workloads' own checks. The seed picks workloads' operations, victims and timings.
import { checkHistory, type CheckResult } from '../checker/index.js';
import { validateFinalState, validateWatches, type FinalState } from '../validate/index.js';
import { kvService } from '../../../server/src/pb/index.js';
import { prng } from '../../support/prng.js';
import { Cluster } from '../harness/cluster.js';
import { bytes, num, text, unary } from '../harness/grpc.js';
import { Recorder } from '../harness/history.js';
import { KvClient } from '../harness/kv-client.js';
import type { Target } from '../harness/member-process.js';
import { sleep, until } from '../harness/wait.js';
import { ALL_FAULTS, CRASH_FAILPOINTS, type Fault, type FaultContext, type Heal } from '../faults/index.js';
import { checkLeases, runLeases } from '../workloads/leases.js';
import { registerKeys, REGISTER_PREFIX, runRegisters } from '../workloads/registers.js';
import { readTxnKeys, runTxns } from '../workloads/txns.js';
import { runWatchers } from '../workloads/watchers.js';

export interface RunOptions {
  readonly target: Target;
  readonly members: number;
  readonly seed: number;
  readonly durationMs: number;
  /** Fault kinds to draw from (default: every kind that applies). */
  readonly faults?: readonly string[];
  /** Crash failpoints the failpoint fault may arm (default: all known). */
  readonly crashFailpoints?: readonly string[];
  /** CAIRN_FAILPOINTS entries on every member launch (a deliberately broken mode). */
  readonly modeFailpoints?: readonly string[];
  readonly registerClients?: number;
  readonly keys?: number;
  /** Run the watch, txn and lease workloads too (default true). */
  readonly allWorkloads?: boolean;
  readonly checkTimeoutMs?: number;
  /** How long a fault is held and the quiet gap after its heal, ms ranges (default 500-2500, 300-1300). */
  readonly holdMs?: readonly [number, number];
  readonly gapMs?: readonly [number, number];
  readonly log?: (line: string) => void;
  /** Keep the data dirs of a cluster that did not come back, for a post-mortem (default false). */
  readonly keepFailedData?: boolean;
}

export interface RunViolation {
  readonly source: string;
  readonly detail: string;
}

export interface RunResult {
  readonly seed: number;
  readonly rec: Recorder;
  readonly check: CheckResult;
  readonly violations: readonly RunViolation[];
  /** Set when the run itself broke (cluster did not converge, ...): also a failure to report. */
  readonly error?: string;
  readonly elapsedMs: number;
}

interface Pace {
  readonly holdMs: readonly [number, number];
  readonly gapMs: readonly [number, number];
}

/** Draws faults and holds each (sometimes two at once) until the deadline; heals all at the end. */
async function faultSchedule(ctx: FaultContext, faults: readonly Fault[], until: number, rand: () => number, pace: Pace): Promise<void> {
  const within = ([lo, hi]: readonly [number, number]): number => lo + rand() * (hi - lo);
  await sleep(500 + rand() * 1000);
  while (performance.now() < until) {
    if (faults.length === 0) {
      await sleep(Math.min(500, until - performance.now()));
      continue;
    }
    const n = rand() < 0.3 ? 2 : 1;
    const heals: Heal[] = [];
    const pool = [...faults];
    for (let i = 0; i < n && pool.length > 0; i++) {
      const f = pool.splice(Math.floor(rand() * pool.length), 1)[0]!;
      try {
        heals.push(await f.inject(ctx));
      } catch (err) {
        ctx.rec.fault('', `${f.kind} not injected: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await sleep(within(pace.holdMs));
    for (const h of heals.reverse()) await h().catch(() => undefined);
    await sleep(within(pace.gapMs));
  }
}

/** Everything back to normal: links pass, members resumed and running. */
async function healAll(cluster: Cluster): Promise<void> {
  cluster.peers.heal();
  for (const m of cluster.members) {
    cluster.setClientMode(m, { kind: 'pass' });
    m.proc.resume();
    if (!m.proc.running) cluster.restart(m);
  }
  for (const m of cluster.members.filter((x) => x.inCluster)) await cluster.waitServing(m, 60_000);
  for (const m of cluster.members.filter((x) => x.inCluster && x.learner)) await cluster.promote(m, () => undefined);
}

/** Final linearizable reads of every register key on every member, into the history. */
async function finalReads(cluster: Cluster, rec: Recorder, keys: readonly string[]): Promise<FinalState> {
  for (const m of cluster.members.filter((x) => x.inCluster)) {
    const client = new KvClient(rec, m.admin, 5_000);
    for (const key of keys) await client.run({ kind: 'get', key });
  }
  const via = cluster.members.find((x) => x.inCluster)!;
  const end = REGISTER_PREFIX.slice(0, -1) + '0';
  const r = await unary(via.admin.kv, kvService.Range, { key: bytes(REGISTER_PREFIX), rangeEnd: bytes(end) }, 5_000);
  return {
    revision: num(r.header?.revision),
    kvs: r.kvs.map((x) => ({ key: text(x.key), value: text(x.value), modRevision: num(x.modRevision), createRevision: num(x.createRevision), version: num(x.version), lease: num(x.lease) })),
  };
}

/** The workloads and the fault schedule, for the run's duration. */
async function loadWithFaults(opts: RunOptions, cluster: Cluster, rec: Recorder, rand: () => number, revoked: Set<string>, keys: number): Promise<void> {
  let stop = false;
  const wctx = { cluster, rec, rand: prng(opts.seed ^ 0x5eed), stopped: () => stop };
  const all = opts.allWorkloads ?? true;
  const work = Promise.all([
    runRegisters(wctx, { clients: opts.registerClients ?? Math.max(4, 2 * opts.members), keys }),
    all ? runWatchers(wctx, 2) : Promise.resolve(),
    all ? runTxns(wctx) : Promise.resolve(),
    all ? runLeases(wctx, revoked) : Promise.resolve(),
  ]);
  const kinds = opts.faults;
  const faults = ALL_FAULTS.filter((f) => f.applies(cluster) && (kinds === undefined || kinds.includes(f.kind)));
  const fctx: FaultContext = { cluster, rec, rand, failpoints: opts.crashFailpoints ?? CRASH_FAILPOINTS };
  try {
    const pace = { holdMs: opts.holdMs ?? [500, 2500], gapMs: opts.gapMs ?? [300, 1300] } as const;
    await faultSchedule(fctx, faults, performance.now() + opts.durationMs, rand, pace);
  } finally {
    stop = true;
    await work;
  }
}

/** Heals, waits for convergence, reads the final state and runs the after-the-fact checks. */
async function settle(cluster: Cluster, rec: Recorder, keys: readonly string[], revoked: Set<string>, violations: RunViolation[]): Promise<FinalState> {
  await healAll(cluster);
  await cluster.converged(60_000);
  const finalState = await finalReads(cluster, rec, keys);
  for (const m of cluster.members.filter((x) => x.inCluster)) {
    const bad = await until('a txn read', async () => (await readTxnKeys(m.admin)) ?? '', 10_000);
    if (bad !== '') violations.push({ source: 'txn-atomicity', detail: `${m.spec.name}: ${bad}` });
  }
  for (const v of await checkLeases(cluster.members.find((x) => x.inCluster)!.admin, revoked)) violations.push({ source: 'lease', detail: v });
  return finalState;
}

export async function runOnce(opts: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const rec = new Recorder();
  const log = opts.log ?? (() => undefined);
  const rand = prng(opts.seed);
  let cluster: Cluster;
  try {
    cluster = await Cluster.start({
      target: opts.target, size: opts.members, modeFailpoints: opts.modeFailpoints ?? [], log: (s) => rec.fault('crash', s),
    });
  } catch (err) {
    const error = `${err instanceof Error ? err.message : String(err)}\n${err instanceof Error && err.cause instanceof Error ? err.cause.message : ''}`;
    return { seed: opts.seed, rec, check: checkHistory([]), violations: [], error, elapsedMs: performance.now() - t0 };
  }
  const violations: RunViolation[] = [];
  let error: string | undefined;
  const fail = (err: unknown): void => {
    error = `${err instanceof Error ? err.message : String(err)} (data dirs ${opts.keepFailedData === true ? 'kept' : 'were'} in ${cluster.dir})\n${cluster.members.map((m) => `--- ${m.spec.name} stderr tail:\n${m.proc.log.slice(-1500)}`).join('\n')}`;
    log(`seed ${opts.seed}: ${error}`);
  };
  const revoked = new Set<string>();
  const keys = registerKeys(opts.keys ?? 8);
  try {
    await loadWithFaults(opts, cluster, rec, rand, revoked, keys.length);
    log(`seed ${opts.seed}: load stopped after ${((performance.now() - t0) / 1000).toFixed(1)} s, ${rec.ops.length} ops; healing`);
  } catch (err) {
    fail(err);
  }
  let finalState: FinalState | undefined;
  try {
    if (error === undefined) finalState = await settle(cluster, rec, keys, revoked, violations);
  } catch (err) {
    fail(err);
  } finally {
    // A cluster that did not come back keeps its data dirs for a post-mortem.
    await cluster.close(error !== undefined && opts.keepFailedData === true);
  }
  // The history is checked even when the cluster did not come back: what was recorded stands.
  const check = checkHistory(rec.ops, { timeoutMs: opts.checkTimeoutMs ?? 60_000 });
  if (check.kind === 'violation') violations.push({ source: 'linearizability', detail: check.report });
  const input = { history: rec.ops, watches: rec.watches, compactedUpTo: rec.compactedUpTo, ...(finalState === undefined ? {} : { finalState }) };
  for (const v of validateWatches(input)) violations.push({ source: `watch ${v.property}`, detail: v.detail });
  for (const v of validateFinalState(input)) violations.push({ source: `final ${v.property}`, detail: v.detail });
  for (const v of rec.violations) violations.push({ source: v.property, detail: v.detail });
  const result: RunResult = { seed: opts.seed, rec, check, violations, elapsedMs: performance.now() - t0 };
  return error === undefined ? result : { ...result, error };
}
