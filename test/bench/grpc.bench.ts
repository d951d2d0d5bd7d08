// Unary gRPC calls per second: our node:http2 server (server/src/api/grpc) against a
// @grpc/grpc-js server with the same echo handler, in the same run, under the same load. Not part
// of `npm test`; run with `npm run build && node dist/test/bench/grpc.bench.js`.
//
// The load comes from a separate process (so the server's CPU is its own): a minimal raw gRPC
// client on node:http2 (grpc-js as a client would saturate the 2 cores long before the server),
// with CONNS connections and STREAMS calls in flight, each a 256-byte request echoed back. Rounds
// alternate between the two servers; each round forks a fresh client, warms up, then measures.
// Reported: calls/s (median of rounds), the server process's CPU per call, and the ratio.
import { fork } from 'node:child_process';
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { GrpcServer } from '../../server/src/api/grpc/index.js';

const CONNS = Number(process.env['GRPC_BENCH_CONNS'] ?? 100);
const STREAMS = Number(process.env['GRPC_BENCH_STREAMS'] ?? 1000);
const ROUNDS = Number(process.env['GRPC_BENCH_ROUNDS'] ?? 4);
const WARMUP_MS = Number(process.env['GRPC_BENCH_WARMUP_MS'] ?? 1500);
const MEASURE_MS = Number(process.env['GRPC_BENCH_MEASURE_MS'] ?? 4000);
const PAYLOAD = 256;
const PATH = '/bench.Echo/Unary';

type ToParent = { kind: 'start' } | { kind: 'end'; calls: number; errors: number; ms: number; clientCpuUs: number };

/** The load generator (child process): keeps STREAMS calls in flight over CONNS connections. */
function runClient(port: number): void {
  const sessions = Array.from({ length: CONNS }, () => http2.connect(`http://127.0.0.1:${port}`));
  for (const s of sessions) s.on('error', () => {});
  const frame = Buffer.alloc(5 + PAYLOAD, 0x61);
  frame[0] = 0;
  frame.writeUInt32BE(PAYLOAD, 1);
  const headers = { ':method': 'POST', ':path': PATH, 'content-type': 'application/grpc', te: 'trailers' };
  let calls = 0;
  let errors = 0;
  let running = true;
  const one = (s: http2.ClientHttp2Session): void => {
    const req = s.request(headers);
    let ok = false;
    req.on('trailers', (t) => {
      ok = t['grpc-status'] === '0';
    });
    req.on('data', () => {});
    req.on('error', () => {});
    req.on('close', () => {
      if (ok) calls++;
      else errors++;
      if (running) one(s);
    });
    req.end(frame);
  };
  for (let i = 0; i < STREAMS; i++) one(sessions[i % CONNS] as http2.ClientHttp2Session);
  setTimeout(() => {
    const c0 = calls;
    const e0 = errors;
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    process.send?.({ kind: 'start' } satisfies ToParent);
    setTimeout(() => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpu = process.cpuUsage(cpu0);
      const end: ToParent = { kind: 'end', calls: calls - c0, errors: errors - e0, ms, clientCpuUs: cpu.user + cpu.system };
      process.send?.(end, () => {
        running = false;
        for (const s of sessions) s.destroy();
        process.exit(0);
      });
    }, MEASURE_MS);
  }, WARMUP_MS);
}

interface Round {
  rate: number;
  cpuUsPerCall: number;
  /** The client's CPU over the window as a share of one core: near 100% means it is the limit. */
  clientCpuShare: number;
  errors: number;
}

/** One round against the server on `port`: forks the client, times the server's CPU. */
function round(port: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['client', String(port)], { stdio: 'inherit' });
    let cpu0 = process.cpuUsage();
    child.on('message', (m: ToParent) => {
      if (m.kind === 'start') {
        cpu0 = process.cpuUsage();
        return;
      }
      const cpu = process.cpuUsage(cpu0);
      resolve({
        rate: (m.calls * 1000) / m.ms,
        cpuUsPerCall: (cpu.user + cpu.system) / Math.max(1, m.calls),
        clientCpuShare: m.clientCpuUs / (m.ms * 1000),
        errors: m.errors,
      });
    });
    child.on('error', reject);
  });
}

async function startGrpcJs(): Promise<{ port: number; stop: () => void }> {
  const server = new grpc.Server();
  const ident = (b: Buffer): Buffer => b;
  server.addService(
    { Unary: { path: PATH, requestStream: false, responseStream: false, requestSerialize: ident, requestDeserialize: ident, responseSerialize: ident, responseDeserialize: ident } },
    { Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request) },
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err === null ? resolve(p) : reject(err)));
  });
  return { port, stop: () => server.forceShutdown() };
}

async function startOurs(): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = new GrpcServer();
  server.addService('bench.Echo', [
    { path: PATH, requestStream: false, responseStream: false, decode: (b: Buffer) => b, encode: (b: unknown) => b as Buffer, handler: (req: unknown) => req },
  ]);
  const port = await server.listen('127.0.0.1', 0);
  return { port, stop: () => server.close(100) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const ours = await startOurs();
  const theirs = await startGrpcJs();
  const results: Record<'ours' | 'grpcjs', Round[]> = { ours: [], grpcjs: [] };
  console.log(`unary echo, ${PAYLOAD}-byte payload, ${CONNS} connections, ${STREAMS} calls in flight, ${ROUNDS} rounds x ${MEASURE_MS} ms`);
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which goes first, so drift in the machine hits both alike.
    const order: ('ours' | 'grpcjs')[] = i % 2 === 0 ? ['ours', 'grpcjs'] : ['grpcjs', 'ours'];
    for (const which of order) {
      const r = await round(which === 'ours' ? ours.port : theirs.port);
      results[which].push(r);
      console.log(`  round ${i + 1} ${which.padEnd(6)} ${r.rate.toFixed(0).padStart(7)} calls/s  ${r.cpuUsPerCall.toFixed(1)} µs server CPU/call  client at ${(r.clientCpuShare * 100).toFixed(0)}% of a core  errors ${r.errors}`);
    }
  }
  const o = median(results.ours.map((r) => r.rate));
  const g = median(results.grpcjs.map((r) => r.rate));
  const oc = median(results.ours.map((r) => r.cpuUsPerCall));
  const gc = median(results.grpcjs.map((r) => r.cpuUsPerCall));
  console.log(`ours   (node:http2): ${o.toFixed(0)} calls/s, ${oc.toFixed(1)} µs CPU/call`);
  console.log(`grpc-js server     : ${g.toFixed(0)} calls/s, ${gc.toFixed(1)} µs CPU/call`);
  console.log(`ratio ours/grpc-js : ${(o / g).toFixed(2)}x calls/s, ${(gc / oc).toFixed(2)}x less CPU per call`);
  await ours.stop();
  theirs.stop();
}

if (process.argv[2] === 'client') runClient(Number(process.argv[3]));
else await main();
