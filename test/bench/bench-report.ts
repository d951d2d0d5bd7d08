// What both comparison benchmarks print: one line per measured sample as it comes, and at the end
// a markdown table of medians over rounds with Cairn/etcd ratios.
import type { ServerKind } from './bench-server.js';
import type { Load } from './loads.js';
import type { Sample } from './run-load.js';

/** Samples per load name and server kind, one per round. */
export type Results = Map<string, Record<ServerKind, Sample[]>>;

export function emptyResults(loads: readonly Load[]): Results {
  return new Map(loads.map((l) => [l.name, { cairn: [], etcd: [] }]));
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export const mib = (b: number): string => (b / 1024 ** 2).toFixed(0);
export const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
const f = (x: number, digits = 2): string => x.toFixed(digits);

/** The progress line for one sample (and its error texts, if any). */
export function sampleLines(round: number, kind: ServerKind, load: string, s: Sample): string[] {
  const j = s.json;
  const lines = [
    `  round ${round + 1} ${kind.padEnd(5)} ${load.padEnd(72)} ${j.requestsPerSec.toFixed(0).padStart(8)}/s  p50 ${j.p50Ms.toFixed(2)} ms  p99 ${j.p99Ms.toFixed(2)} ms  RSS ${mib(s.peakRss)} MiB  errors ${j.errors}`,
  ];
  if (j.errors > 0) lines.push(`    errors: ${JSON.stringify(j.errorTexts)}`);
  return lines;
}

/**
 * Markdown table: per load, the medians over rounds of each kind's rate, p50, p99 and peak RSS,
 * the Cairn/etcd ratios of rate and p99, and the errors summed over rounds.
 */
export function comparisonTable(loads: readonly Load[], results: Results): string[] {
  const lines = [
    '| load | etcd req/s | Cairn req/s | Cairn/etcd | etcd p50 ms | Cairn p50 ms | etcd p99 ms | Cairn p99 ms | Cairn/etcd p99 | etcd RSS MiB | Cairn RSS MiB | errors etcd/Cairn |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const load of loads) {
    const r = results.get(load.name);
    if (r === undefined) continue;
    const m = (k: ServerKind, pick: (s: Sample) => number): number => median(r[k].map(pick));
    const rate = (k: ServerKind): number => m(k, (s) => s.json.requestsPerSec);
    const p50 = (k: ServerKind): number => m(k, (s) => s.json.p50Ms);
    const p99 = (k: ServerKind): number => m(k, (s) => s.json.p99Ms);
    const rss = (k: ServerKind): number => m(k, (s) => s.peakRss);
    const errs = (k: ServerKind): number => r[k].reduce((n, s) => n + s.json.errors, 0);
    lines.push(
      `| ${load.name} | ${f(rate('etcd'), 0)} | ${f(rate('cairn'), 0)} | ${ratio(rate('cairn'), rate('etcd'))} | ${f(p50('etcd'))} | ${f(p50('cairn'))} | ${f(p99('etcd'))} | ${f(p99('cairn'))} | ${ratio(p99('cairn'), p99('etcd'))} | ${mib(rss('etcd'))} | ${mib(rss('cairn'))} | ${errs('etcd')}/${errs('cairn')} |`,
    );
  }
  return lines;
}
