// Entry point of a load generator thread (see run-bench.ts): owns its share of the connections
// and clients, and talks to the main thread with the messages of worker-protocol.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { assertNever, errorMessage } from '../../util/index.js';
import { GrpcConnection } from './grpc-connection.js';
import type { Recorder } from './recorder.js';
import { runRequestLoad } from './request-worker.js';
import { runWatchLoad } from './watch-worker.js';
import type { FromWorker, ToWorker, WorkerTask } from './worker-protocol.js';

const port = parentPort;
const task = workerData as WorkerTask;

function send(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(m, transfer);
}

/** Resolves on the main thread's go. */
function go(): Promise<void> {
  return new Promise((resolve) => port?.once('message', (m: ToWorker) => m.kind === 'go' && resolve()));
}

async function run(conns: readonly GrpcConnection[]): Promise<Recorder> {
  const c = task.config;
  switch (c.kind) {
    case 'put':
    case 'range':
    case 'txn-put':
    case 'lease-keepalive':
      return runRequestLoad(task, c, conns, () => {
        send({ kind: 'ready' });
        return go();
      });
    case 'watch':
      return runWatchLoad(task, c, conns, (createSeconds) => {
        send({ kind: 'watching', createSeconds });
        return go();
      });
    default:
      return assertNever(c);
  }
}

const conns = task.connEndpoints.map((e) => new GrpcConnection(e));
try {
  await Promise.all(conns.map((c) => c.ready()));
  const rec = await run(conns);
  const latencies = rec.latencies();
  send({ kind: 'done', latencies, errors: [...rec.errors] }, [latencies.buffer as ArrayBuffer]);
} catch (err) {
  send({ kind: 'failed', message: errorMessage(err) });
} finally {
  for (const c of conns) c.close();
}
