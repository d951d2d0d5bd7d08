import { etcdserverpb, kvService, mvccpb, watchService } from '../../pb/index.js';
import type { WatchConfig } from './bench-config.js';
import { GrpcCallError } from './errors.js';
import type { GrpcConnection } from './grpc-connection.js';
import { epochMs, Recorder } from './recorder.js';
import type { WorkerTask } from './worker-protocol.js';

/** How long a worker waits for missing events after its puts, with no event arriving, before giving up. */
const QUIET_LIMIT_MS = 10_000;

export function watchKey(k: number): Buffer {
  return Buffer.from(`bench-watch-${String(k).padStart(6, '0')}`);
}

/** Puts (over all workers, global indexes 0..putTotal-1) that land on watched key k: index % keys == k. */
export function putsOnKey(k: number, c: WatchConfig): number {
  return Math.floor(c.putTotal / c.watchedKeyTotal) + (k < c.putTotal % c.watchedKeyTotal ? 1 : 0);
}

interface WatchPhase {
  /** Events this worker's watchers must receive in all. */
  expected: number;
  received: number;
  lastEventAt: number;
  onProgress: () => void;
}

/**
 * One worker's part of the watch fan-out. Phase 1 opens the worker's streams and creates its
 * watchers (watcher g watches key g mod --watched-key-total), then reports `watching`. Phase 2,
 * after go: its put clients send its share of the puts, each value carrying the wall-clock send
 * time; every event received yields one sample, now minus that time. The worker ends when all
 * the events its watchers should see have arrived, or after a quiet spell (the rest are errors).
 */
export async function runWatchLoad(
  task: WorkerTask,
  c: WatchConfig,
  conns: readonly GrpcConnection[],
  watching: (createSeconds: number) => Promise<void>,
): Promise<Recorder> {
  const rec = new Recorder(task.streams * c.watchPerStream * Math.ceil(c.putTotal / c.watchedKeyTotal));
  const phase: WatchPhase = { expected: 0, received: 0, lastEventAt: 0, onProgress: () => undefined };
  const t0 = performance.now();
  const created: Promise<void>[] = [];
  for (let s = 0; s < task.streams; s++) {
    const first = task.watcherOffset + s * c.watchPerStream;
    for (let w = 0; w < c.watchPerStream; w++) phase.expected += putsOnKey((first + w) % c.watchedKeyTotal, c);
    created.push(openStream(conns[s % conns.length] as GrpcConnection, first, c, rec, phase));
  }
  await Promise.all(created);
  await watching((performance.now() - t0) / 1000);
  await putClients(task, c, conns, rec);
  await allDelivered(phase, rec);
  return rec;
}

/** Opens one Watch stream and creates its watchers; resolves once every create is acknowledged. */
function openStream(conn: GrpcConnection, first: number, c: WatchConfig, rec: Recorder, phase: WatchPhase): Promise<void> {
  return new Promise((resolve, reject) => {
    let acks = 0;
    const stream = conn.stream(watchService.Watch.path, {
      onMessage: (m) => {
        const r = etcdserverpb.WatchResponse.decode(m);
        if (r.created && ++acks === c.watchPerStream) resolve();
        if (r.canceled) rec.error(new Error(`watch canceled: ${r.cancelReason}`));
        if (r.events.length > 0) onEvents(r.events, rec, phase);
      },
      onEnd: (err) => {
        const e = err ?? new Error('watch stream ended');
        if (acks < c.watchPerStream) reject(e);
        else rec.error(e);
      },
    });
    for (let w = 0; w < c.watchPerStream; w++) {
      const key = watchKey((first + w) % c.watchedKeyTotal);
      stream.write(etcdserverpb.WatchRequest.encode({ createRequest: { key } }).finish());
    }
  });
}

function onEvents(events: readonly mvccpb.IEvent[], rec: Recorder, phase: WatchPhase): void {
  const now = epochMs();
  for (const e of events) {
    const v = e.kv?.value;
    if (v === undefined || v === null || v.length < 8) {
      rec.error(new Error('watch event without a bench timestamp'));
      continue;
    }
    const sent = Buffer.from(v.buffer, v.byteOffset, v.byteLength).readDoubleLE(0);
    rec.add((now - sent) / 1000);
  }
  phase.received += events.length;
  phase.lastEventAt = performance.now();
  phase.onProgress();
}

/** The worker's put clients: each sends one put at a time until the worker's share is sent. */
async function putClients(task: WorkerTask, c: WatchConfig, conns: readonly GrpcConnection[], rec: Recorder): Promise<void> {
  let next = task.firstRequest;
  const end = task.firstRequest + task.requests;
  // With --put-rate, this worker's share of the rate paces its puts from a common start.
  const gapMs = c.putRate > 0 && task.requests > 0 ? (1000 * c.putTotal) / (c.putRate * task.requests) : 0;
  const start = performance.now();
  const client = async (conn: GrpcConnection): Promise<void> => {
    const value = Buffer.alloc(c.valSize, 0x77);
    while (next < end) {
      const i = next++;
      const wait = start + (i - task.firstRequest) * gapMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      value.writeDoubleLE(epochMs(), 0);
      const body = etcdserverpb.PutRequest.encode({ key: watchKey(i % c.watchedKeyTotal), value }).finish();
      try {
        await conn.unary(kvService.Put.path, body);
      } catch (err) {
        rec.error(new Error(`put: ${err instanceof GrpcCallError ? err.message : String(err)}`));
      }
    }
  };
  await Promise.all(Array.from({ length: task.clients }, (_, i) => client(conns[i % conns.length] as GrpcConnection)));
}

/** Waits until every expected event arrived, or QUIET_LIMIT_MS pass with none; counts the missing. */
function allDelivered(phase: WatchPhase, rec: Recorder): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      const missing = phase.expected - phase.received;
      if (missing > 0) rec.error(new Error('watch events missing'), missing);
      resolve();
    };
    phase.lastEventAt = Math.max(phase.lastEventAt, performance.now());
    const timer = setInterval(() => {
      if (performance.now() - phase.lastEventAt > QUIET_LIMIT_MS) finish();
    }, 200);
    phase.onProgress = () => {
      if (phase.received >= phase.expected) finish();
    };
    phase.onProgress();
  });
}
