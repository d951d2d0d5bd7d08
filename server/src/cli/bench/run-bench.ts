import { Worker } from 'node:worker_threads';
import { UsageError } from '../errors.js';
import type { Io } from '../io.js';
import type { BenchConfig } from './bench-config.js';
import { parseBenchArgs } from './bench-flags.js';
import { formatReport, toJson, type BenchResult } from './bench-report.js';
import { BENCH_USAGE } from './bench-usage.js';
import { checkKeySpace } from './load-ops.js';
import { planWorkers } from './plan-workers.js';
import type { FromWorker, ToWorker, WorkerTask } from './worker-protocol.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);

/** `cairn bench ...`: runs the load and prints the report; exit code 0 once the load has run. */
export async function benchCommand(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseBenchArgs(argv);
  if (parsed.kind === 'help') {
    io.out(BENCH_USAGE);
    return 0;
  }
  const c = parsed.config;
  validate(c);
  const result = await runBench(c);
  if (c.json) io.out(JSON.stringify(toJson(result)));
  else for (const line of formatReport(result)) io.out(line);
  return 0;
}

function validate(c: BenchConfig): void {
  if (c.kind !== 'put' && c.kind !== 'txn-put') return;
  const problem = checkKeySpace(c);
  if (problem !== undefined) throw new UsageError(problem);
  if (c.kind === 'txn-put' && c.txnOps > c.keySpaceSize) throw new UsageError(`--txn-ops ${c.txnOps} needs --key-space-size >= ${c.txnOps} (keys in one txn must differ)`);
}

interface Gathered {
  latencies: Float64Array[];
  errors: Map<string, number>;
  seconds: number;
  createSeconds: number;
}

/** Runs a load on worker threads (see planWorkers) and gathers what they measured. */
export async function runBench(c: BenchConfig): Promise<BenchResult> {
  const tasks = planWorkers(c);
  const g = await drive(tasks);
  const all = new Float64Array(g.latencies.reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of g.latencies) {
    all.set(l, at);
    at += l.length;
  }
  const notes =
    c.kind === 'watch'
      ? [
          `${c.streams * c.watchPerStream} watchers (${c.streams} streams x ${c.watchPerStream}) on ${c.watchedKeyTotal} key(s), ${c.conns} conn(s), ${tasks.length} worker(s)`,
          `creating the watchers took ${g.createSeconds.toFixed(4)} secs.`,
          `${c.putTotal} puts by ${c.clients} client(s)${c.putRate > 0 ? ` at ${c.putRate}/s` : ''}; samples are put->event latencies of delivered events`,
        ]
      : [];
  return { command: c.kind, latencies: all, errors: g.errors, seconds: g.seconds, unit: c.kind === 'watch' ? 'Events' : 'Requests', notes };
}

/** Starts the workers, releases them together once all are set up, and waits for every result. */
function drive(tasks: readonly WorkerTask[]): Promise<Gathered> {
  return new Promise((resolve, reject) => {
    const g: Gathered = { latencies: [], errors: new Map(), seconds: 0, createSeconds: 0 };
    const workers = tasks.map((t) => new Worker(WORKER_URL, { workerData: t }));
    let ready = 0;
    let done = 0;
    let t0 = 0;
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(err);
    };
    const onMessage = (m: FromWorker): void => {
      switch (m.kind) {
        case 'ready':
        case 'watching':
          if (m.kind === 'watching') g.createSeconds = Math.max(g.createSeconds, m.createSeconds);
          if (++ready === workers.length) {
            t0 = performance.now();
            for (const w of workers) w.postMessage({ kind: 'go' } satisfies ToWorker);
          }
          return;
        case 'done':
          g.latencies.push(m.latencies);
          for (const [text, n] of m.errors) g.errors.set(text, (g.errors.get(text) ?? 0) + n);
          if (++done === workers.length) {
            g.seconds = (performance.now() - t0) / 1000;
            resolve(g);
          }
          return;
        case 'failed':
          fail(new Error(`bench worker failed: ${m.message}`));
          return;
      }
    };
    for (const w of workers) {
      let finished = false;
      w.on('message', (m: FromWorker) => {
        finished ||= m.kind === 'done';
        onMessage(m);
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (!finished) fail(new Error(`bench worker exited (code ${code}) before reporting`));
      });
    }
  });
}
