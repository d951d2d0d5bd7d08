import type { GrpcConnection } from './grpc-connection.js';
import { makeOp, type Op, type RequestConfig } from './load-ops.js';
import { Recorder } from './recorder.js';
import type { WorkerTask } from './worker-protocol.js';

/**
 * The request/response loads in one worker: sets up its clients (each bound to one of the
 * worker's connections, round-robin), reports ready, waits for go, then lets every client send
 * one request at a time until the worker's share of requests has been sent.
 */
export async function runRequestLoad(
  task: WorkerTask,
  config: RequestConfig,
  conns: readonly GrpcConnection[],
  ready: () => Promise<void>,
): Promise<Recorder> {
  const ops = await Promise.all(
    Array.from({ length: task.clients }, (_, i) => makeOp(config, conns[i % conns.length] as GrpcConnection)),
  );
  await ready();
  const rec = new Recorder(task.requests);
  let issued = 0;
  const client = async (op: Op): Promise<void> => {
    while (issued < task.requests) {
      const n = task.firstRequest + issued++;
      const t0 = performance.now();
      try {
        await op(n);
        rec.add((performance.now() - t0) / 1000);
      } catch (err) {
        rec.error(err);
      }
    }
  };
  await Promise.all(ops.map(client));
  return rec;
}
