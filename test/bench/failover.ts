// Failover time of a 3-member cluster: the leader is SIGKILLed while clients keep writing to the
// two survivors; measured from the kill to the first put acknowledged after it and to the first
// report of a new leader. Each trial runs on a fresh cluster at default timeouts.
import { GrpcConnection } from '../../server/src/cli/bench/index.js';
import { etcdserverpb, kvService, maintenanceService } from '../../server/src/pb/index.js';
import { toUint64 } from '../../server/src/util/index.js';
import { BenchCluster } from './bench-cluster.js';
import type { ServerKind } from './bench-server.js';

/** A put (or status call) that takes longer is abandoned (cancelled). */
export const PUT_TIMEOUT_MS = 200;
/**
 * Each survivor gets a new put every PUT_INTERVAL_MS, whether or not earlier ones have answered
 * (up to PUT_TIMEOUT_MS / PUT_INTERVAL_MS in flight): puts sent one after another would all hang
 * until their deadline in step, and the first acknowledgement would be late by up to a deadline.
 */
export const PUT_INTERVAL_MS = 10;
/** Pause between two Status calls of a poller. */
const POLL_MS = 10;

export interface FailoverTrial {
  /** From the kill to the first put, sent after the leader's exit, acknowledged by a survivor. */
  readonly commitMs: number;
  /** From the kill to the first Status reply of a survivor naming a leader other than the old one. */
  readonly leaderMs: number;
  /** Puts that failed or timed out after the kill, to either survivor, until the first acknowledgement. */
  readonly failedPuts: number;
}

interface TrialState {
  stop: boolean;
  killedAt?: number;
  exitedAt?: number;
  firstAck?: number;
  leaderAt?: number;
  failedAfterKill: number;
  acksBeforeKill: number;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One unary call that is cancelled after timeoutMs (GrpcConnection.unary has no deadline). */
function callWithin(conn: GrpcConnection, path: string, body: Uint8Array, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let reply: Buffer | undefined;
    let settled = false;
    const stream = conn.stream(path, {
      onMessage: (m) => (reply = m),
      onEnd: (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err === null) resolve(reply ?? Buffer.alloc(0));
        else reject(err);
      },
    });
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      stream.cancel();
      reject(new Error(`no reply within ${timeoutMs} ms`));
    }, timeoutMs);
    stream.write(body);
    stream.end();
  });
}

/** One put; notes the first acknowledgement that counts (a put sent after the old leader's exit). */
async function putOnce(conn: GrpcConnection, key: string, st: TrialState): Promise<void> {
  const sentAt = performance.now();
  const body = etcdserverpb.PutRequest.encode({ key: Buffer.from(key), value: Buffer.alloc(256, 0x66) }).finish();
  try {
    await callWithin(conn, kvService.Put.path, body, PUT_TIMEOUT_MS);
    if (st.killedAt === undefined) st.acksBeforeKill++;
    else if (st.exitedAt !== undefined && sentAt >= st.exitedAt) st.firstAck ??= performance.now();
  } catch {
    if (st.killedAt !== undefined && st.firstAck === undefined) st.failedAfterKill++;
  }
}

/** Sends a put every PUT_INTERVAL_MS on one connection until st.stop, then waits for those in flight. */
async function writer(conn: GrpcConnection, name: string, st: TrialState): Promise<void> {
  const inFlight: Promise<void>[] = [];
  for (let n = 0; !st.stop; n++) {
    inFlight.push(putOnce(conn, `failover-${name}-${n % 100}`, st));
    await delay(PUT_INTERVAL_MS);
  }
  await Promise.all(inFlight);
}

/** Asks one survivor for its status until st.stop, noting when it first names a new leader. */
async function poller(conn: GrpcConnection, oldLeader: string, st: TrialState): Promise<void> {
  const body = etcdserverpb.StatusRequest.encode({}).finish();
  while (!st.stop) {
    try {
      const reply = etcdserverpb.StatusResponse.decode(await callWithin(conn, maintenanceService.Status.path, body, PUT_TIMEOUT_MS));
      const leader = toUint64(reply.leader).toString();
      if (st.killedAt !== undefined && leader !== '0' && leader !== oldLeader) st.leaderAt ??= performance.now();
    } catch {
      // No answer this time: ask again.
    }
    await delay(POLL_MS);
  }
}

async function waitFor(what: string, cond: () => boolean, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** One trial on a fresh cluster of the given kind. */
export async function failoverTrial(kind: ServerKind): Promise<FailoverTrial> {
  const cluster = await BenchCluster.start(kind);
  const st: TrialState = { stop: false, failedAfterKill: 0, acksBeforeKill: 0 };
  const conns: GrpcConnection[] = [];
  const loops: Promise<void>[] = [];
  try {
    const old = await cluster.leader();
    const survivors = cluster.endpoints.filter((_, i) => i !== old.index);
    for (const ep of survivors) {
      const conn = new GrpcConnection(ep);
      conns.push(conn);
      await conn.ready();
      loops.push(writer(conn, ep, st));
      loops.push(poller(conn, old.id, st));
    }
    await waitFor('puts through the survivors before the kill', () => st.acksBeforeKill >= 2 * survivors.length, 10_000);
    st.killedAt = performance.now();
    await cluster.kill(old.index);
    st.exitedAt = performance.now();
    try {
      await waitFor('a put acknowledged and a new leader after the kill', () => st.firstAck !== undefined && st.leaderAt !== undefined, 30_000);
    } catch (err) {
      throw new Error(`${kind}: ${String(err)}\n${cluster.logs()}`, { cause: err });
    }
    const t0 = st.killedAt;
    return { commitMs: (st.firstAck ?? NaN) - t0, leaderMs: (st.leaderAt ?? NaN) - t0, failedPuts: st.failedAfterKill };
  } finally {
    st.stop = true;
    await Promise.all(loops);
    for (const c of conns) c.close();
    await cluster.stop();
  }
}
