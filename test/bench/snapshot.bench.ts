// Snapshot export and import of many keys (default 1,000,000): Cairn beside a real etcd 3.4.23
// holding the same keys, in the same run. Not part of `npm test`; run with
// `npm run bench:snapshot` (SNAP_BENCH_KEYS=100000 for a quick look).
//
// Both members are loaded alike (txns of 128 puts: 16-byte keys, 100-byte values). Then:
// - export: `etcdctl snapshot save` from etcd; `etcdctl snapshot save` and `cairn snapshot save`
//   from Cairn. Wall seconds of the tool, peak RSS of the member while it streams, peak RSS of
//   the tool.
// - import: `etcdctl snapshot restore` of etcd's file; `cairn snapshot restore` of Cairn's file and
//   of etcd's. Wall seconds and the tool's peak RSS.
// Peak RSS is read from /proc/PID/status (VmHWM for the tools, VmRSS sampled every 20 ms for the
// members, whose high-water mark the load already set).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { kvService } from '../../server/src/pb/services.js';
import { CAIRN_MAIN, ETCDCTL_BIN, MemberProcess } from '../e2e/cluster-process.js';

const KEYS = Number(process.env['SNAP_BENCH_KEYS'] ?? 1_000_000);
const OPS_PER_TXN = 128;
const IN_FLIGHT = 16;
const VALUE = Buffer.alloc(100, 0x76);

interface Run {
  seconds: number;
  toolPeakMb: number;
  memberPeakMb?: number;
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Runs a tool, sampling its VmHWM (and a member's VmRSS) until it exits. */
function timed(cmd: string, args: readonly string[], memberPid?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ETCDCTL_API: '3' } });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
    let toolKb = 0;
    let memberKb = 0;
    const sample = (): void => {
      if (child.pid !== undefined) toolKb = Math.max(toolKb, statusKb(child.pid, 'VmHWM'));
      if (memberPid !== undefined) memberKb = Math.max(memberKb, statusKb(memberPid, 'VmRSS'));
    };
    const timer = setInterval(sample, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`));
      resolve({ seconds, toolPeakMb: toolKb / 1024, ...(memberPid === undefined ? {} : { memberPeakMb: memberKb / 1024 }) });
    });
  });
}

/** Loads KEYS keys into a member with concurrent txns of 128 puts. */
async function load(endpoint: string): Promise<number> {
  const Ctor = grpc.makeGenericClientConstructor(kvService as unknown as grpc.ServiceDefinition, 'KV');
  const client = new Ctor(endpoint, grpc.credentials.createInsecure()) as unknown as { Txn(req: object, cb: (e: Error | null) => void): void; close(): void };
  const t0 = Date.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < KEYS) {
      const from = next;
      next = Math.min(KEYS, next + OPS_PER_TXN);
      const success: object[] = [];
      for (let i = from; i < next; i++) success.push({ requestPut: { key: Buffer.from(`key-${String(i).padStart(12, '0')}`), value: VALUE } });
      await new Promise<void>((resolve, reject) => client.Txn({ success }, (e) => (e ? reject(e) : resolve())));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  client.close();
  return (Date.now() - t0) / 1000;
}

function restoreArgs(file: string, dir: string): string[] {
  return ['snapshot', 'restore', file, '--data-dir', dir];
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-snap-bench-'));
  const big = ['--quota-backend-bytes', String(8 * 1024 ** 3)];
  const etcd = await MemberProcess.start('etcd', { extraArgs: big });
  const cairn = await MemberProcess.start('cairn', { extraArgs: big });
  try {
    console.log(`loading ${KEYS} keys (16-byte keys, 100-byte values) into each member...`);
    console.log(`  etcd ${(await load(etcd.endpoint)).toFixed(1)} s, cairn ${(await load(cairn.endpoint)).toFixed(1)} s`);
    const f = (n: string): string => path.join(work, n);
    const rows: Array<[string, Run]> = [];
    rows.push(['export: etcdctl snapshot save ← etcd', await timed(ETCDCTL_BIN, [`--endpoints=${etcd.endpoint}`, 'snapshot', 'save', f('etcd.db')], etcd.pid)]);
    rows.push(['export: etcdctl snapshot save ← cairn', await timed(ETCDCTL_BIN, [`--endpoints=${cairn.endpoint}`, 'snapshot', 'save', f('cairn.db')], cairn.pid)]);
    rows.push(['export: cairn snapshot save ← cairn', await timed(process.execPath, [CAIRN_MAIN, 'snapshot', 'save', f('cairn2.db'), '--endpoints', cairn.endpoint], cairn.pid)]);
    rows.push(['import: etcdctl snapshot restore (etcd file)', await timed(ETCDCTL_BIN, restoreArgs(f('etcd.db'), f('r-etcd')))]);
    rows.push(['import: cairn snapshot restore (cairn file)', await timed(process.execPath, [CAIRN_MAIN, ...restoreArgs(f('cairn.db'), f('r-cairn'))])]);
    rows.push(['import: cairn snapshot restore (etcd file)', await timed(process.execPath, [CAIRN_MAIN, ...restoreArgs(f('etcd.db'), f('r-cross'))])]);
    const mb = (n: number | undefined): string => (n === undefined ? '—' : n.toFixed(0));
    console.log(`\nsnapshot of ${KEYS} keys: etcd file ${(fs.statSync(f('etcd.db')).size / 1e6).toFixed(0)} MB, cairn file ${(fs.statSync(f('cairn.db')).size / 1e6).toFixed(0)} MB`);
    console.log(`${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString().slice(0, 10)}\n`);
    console.log('| step | seconds | tool peak RSS (MB) | member peak RSS (MB) |');
    console.log('|---|---:|---:|---:|');
    for (const [name, r] of rows) console.log(`| ${name} | ${r.seconds.toFixed(2)} | ${mb(r.toolPeakMb)} | ${mb(r.memberPeakMb)} |`);
    const secs = (i: number): number => (rows[i] as [string, Run])[1].seconds;
    console.log(`\nratios (cairn/etcd, lower is better): export ${(secs(2) / secs(0)).toFixed(2)} (cairn tool), ${(secs(1) / secs(0)).toFixed(2)} (etcdctl tool); import ${(secs(4) / secs(3)).toFixed(2)}`);
  } finally {
    await etcd.destroy();
    await cairn.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
