// `npm run robustness -- --duration 30m --members 3 [--seed N] [--target cairn|etcd]
//   [--failpoints a,b] [--faults kill,split,...] [--run-seconds 60]`: runs seeded runs back to back
// until the duration is spent, prints each failing run in full and a summary table, and exits 1
// when any run failed. `--failpoints`: `name` entries are crash points the failpoint fault arms;
// `name=action` entries (e.g. unsafeAckBeforeFsync=on) are set on every member launch.
import { parseArgs } from 'node:util';
import { failed, formatRun, summarize } from './report.js';
import { runOnce, type RunOptions, type RunResult } from './run.js';
import { Cluster } from '../harness/cluster.js';
import type { Target } from '../harness/member-process.js';

/** "30m", "90s", "1h", or plain seconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(h|m|s|ms)?$/.exec(s.trim());
  if (m === null) throw new Error(`bad duration "${s}" (want e.g. 30m, 90s, 1h)`);
  const unit = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 }[(m[2] ?? 's') as 'h' | 'm' | 's' | 'ms'];
  return Number(m[1]) * unit;
}

function options(): { base: Omit<RunOptions, 'seed' | 'durationMs'>; seed: number; totalMs: number; runMs: number } {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '5m' }, members: { type: 'string', default: '3' }, seed: { type: 'string' },
      target: { type: 'string', default: 'cairn' }, failpoints: { type: 'string' }, faults: { type: 'string' },
      'run-seconds': { type: 'string', default: '60' },
    },
  });
  const members = Number(values.members);
  if (![1, 3, 5].includes(members)) throw new Error('--members must be 1, 3 or 5');
  const target = values.target as Target;
  if (target !== 'cairn' && target !== 'etcd') throw new Error('--target must be cairn or etcd');
  const fps = (values.failpoints ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const totalMs = parseDuration(values.duration);
  const base: Omit<RunOptions, 'seed' | 'durationMs'> = {
    target, members, log: (l) => console.error(l), keepFailedData: true,
    modeFailpoints: fps.filter((f) => f.includes('=')),
    ...(fps.some((f) => !f.includes('=')) ? { crashFailpoints: fps.filter((f) => !f.includes('=')) } : {}),
    ...(values.faults !== undefined ? { faults: values.faults.split(',') } : {}),
  };
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  return { base, seed, totalMs, runMs: Math.min(totalMs, Number(values['run-seconds']) * 1000) };
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    Cluster.killAllNow();
    process.exit(130);
  });
}

async function main(): Promise<void> {
  const { base, seed, totalMs, runMs } = options();
  const start = performance.now();
  const runs: { opts: RunOptions; result: RunResult }[] = [];
  console.log(`robustness campaign: ${base.target}, ${base.members} members, ${totalMs / 1000} s, first seed ${seed}`);
  for (let s = seed; runs.length === 0 || performance.now() - start + runMs < totalMs; s++) {
    const opts: RunOptions = { ...base, seed: s, durationMs: runMs };
    const result = await runOnce(opts);
    runs.push({ opts, result });
    console.log(formatRun(opts, result));
  }
  console.log(`\n${summarize(runs, performance.now() - start)}`);
  process.exitCode = runs.some((r) => failed(r.result)) ? 1 : 0;
}

await main();
