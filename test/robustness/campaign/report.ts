// What a campaign prints: per run, the seed, the fault log and every violation (with the
// checker's minimal failing sub-history); at the end, a summary table of operations by kind and
// outcome, faults by kind, and violations with their seeds.
import type { RunOptions, RunResult } from './run.js';

/** Whether a run found something: a violation, or a cluster that did not come back. */
export const failed = (r: RunResult): boolean => r.violations.length > 0 || r.error !== undefined;

/** The reproduction line for a run. */
export function reproduction(opts: RunOptions): string {
  const fp = [...(opts.modeFailpoints ?? []), ...(opts.crashFailpoints ?? [])];
  return `npm run robustness -- --seed ${opts.seed} --members ${opts.members} --target ${opts.target} --duration ${Math.round(opts.durationMs / 1000)}s --run-seconds ${Math.round(opts.durationMs / 1000)}` +
    (fp.length > 0 ? ` --failpoints ${fp.join(',')}` : '') + (opts.faults !== undefined ? ` --faults ${opts.faults.join(',')}` : '');
}

/** A run's report: one line when it passed, the whole story when it did not. */
export function formatRun(opts: RunOptions, r: RunResult): string {
  const head = `seed ${r.seed} (${opts.target}, ${opts.members} members): ${r.rec.ops.length} ops in ${(r.elapsedMs / 1000).toFixed(1)} s, ` +
    `${r.rec.watches.length} watches, check ${r.check.kind} (${r.check.stats.elapsedMs.toFixed(0)} ms)`;
  if (!failed(r) && r.check.kind !== 'unknown') return `${head}: ok`;
  const lines = [`${head}: ${failed(r) ? 'FAILED' : 'UNDECIDED'}`, `  reproduce: ${reproduction(opts)}`, '  faults:'];
  for (const f of r.rec.faults) lines.push(`    ${f.split('\n')[0]}`);
  if (r.check.kind === 'unknown') lines.push(`  checker undecided on keys ${r.check.undecidedKeys.join(', ')}: ${r.check.reason}`);
  for (const v of r.violations.slice(0, 10)) lines.push(`  VIOLATION [${v.source}] ${v.detail.split('\n').join('\n    ')}`);
  if (r.violations.length > 10) lines.push(`  ... and ${r.violations.length - 10} more violations`);
  if (r.error !== undefined) lines.push(`  RUN ERROR ${r.error.split('\n').join('\n    ')}`);
  return lines.join('\n');
}

function table(title: string, rows: readonly (readonly string[])[]): string {
  const widths = rows.reduce<number[]>((w, row) => row.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  const fmt = (row: readonly string[]): string => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [`${title}`, ...rows.map((r, i) => (i === 0 ? fmt(r) + '\n' + widths.map((w) => '-'.repeat(w)).join('  ') : fmt(r)))].join('\n');
}

/** A run's violations counted by source: "watch prevKv ×834, linearizability". */
function bySource(r: RunResult): string {
  const n = new Map<string, number>();
  for (const v of r.violations) n.set(v.source, (n.get(v.source) ?? 0) + 1);
  return [...n].map(([source, k]) => (k === 1 ? source : `${source} ×${k}`)).join(', ');
}

/** The summary table of a campaign. */
export function summarize(runs: readonly { opts: RunOptions; result: RunResult }[], wallMs: number): string {
  const ops = new Map<string, Map<string, number>>();
  const faults = new Map<string, number>();
  let total = 0;
  for (const { result } of runs) {
    for (const [k, n] of result.rec.counts) {
      const [kind = k, outcome = ''] = k.split(' ');
      const row = ops.get(kind) ?? new Map<string, number>();
      row.set(outcome, (row.get(outcome) ?? 0) + n);
      ops.set(kind, row);
      total += n;
    }
    for (const [k, n] of result.rec.faultCounts) faults.set(k, (faults.get(k) ?? 0) + n);
  }
  const outcomes = ['ok', 'unknown', 'failed'];
  const opRows = [['operation', ...outcomes], ...[...ops].sort().map(([k, row]) => [k, ...outcomes.map((o) => String(row.get(o) ?? 0))])];
  const faultRows = [['fault', 'count'], ...[...faults].sort().map(([k, n]) => [k, String(n)])];
  const bad = runs.filter((x) => failed(x.result));
  const out = [
    `${runs.length} runs, ${total} operations in ${(wallMs / 1000).toFixed(0)} s (${(total / (wallMs / 1000)).toFixed(0)} ops/s)`,
    table('operations by kind and outcome', opRows),
    table('faults injected', faultRows),
    `violations: ${bad.length === 0 ? 'none' : ''}`,
    ...bad.map(({ opts, result }) => `  seed ${result.seed}: ${bySource(result)}${result.error !== undefined ? ' run error' : ''} — ${reproduction(opts)}`),
  ];
  return out.join('\n\n');
}
