import { latencyStats, type LatencyStats } from './latency-stats.js';

/** What a finished load hands to the report. */
export interface BenchResult {
  readonly command: string;
  /** Latencies of the successful requests (or delivered events), in seconds. */
  readonly latencies: Float64Array;
  /** Error text → how many times it happened. */
  readonly errors: ReadonlyMap<string, number>;
  /** Wall-clock seconds of the measured phase. */
  readonly seconds: number;
  /** What one sample is: "Requests" for request/response loads, "Events" for watch. */
  readonly unit: 'Requests' | 'Events';
  /** Extra facts printed before the summary (watch: watchers, puts, creation time). */
  readonly notes?: readonly string[];
}

/** The machine-readable form printed by --json (one line). Times in milliseconds. */
export interface BenchJson {
  readonly command: string;
  readonly unit: 'Requests' | 'Events';
  readonly total: number;
  readonly errors: number;
  readonly seconds: number;
  readonly requestsPerSec: number;
  readonly averageMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly slowestMs: number;
  readonly errorTexts: Readonly<Record<string, number>>;
  readonly notes: readonly string[];
}

const BAR = 40;
const secs = (x: number): string => `${x.toFixed(4)} secs.`;

function errorCount(r: BenchResult): number {
  let n = 0;
  for (const c of r.errors.values()) n += c;
  return n;
}

function at(stats: LatencyStats, p: number): number {
  return stats.percentiles.find(([q]) => q === p)?.[1] ?? 0;
}

/** The text report in the layout of etcd's benchmark tool. */
export function formatReport(r: BenchResult): string[] {
  const s = latencyStats(r.latencies);
  const lines: string[] = [...(r.notes ?? [])];
  lines.push('', 'Summary:');
  lines.push(`  Total:\t${secs(r.seconds)}`);
  if (s.count > 0) {
    lines.push(`  Slowest:\t${secs(s.slowest)}`, `  Fastest:\t${secs(s.fastest)}`, `  Average:\t${secs(s.average)}`, `  Stddev:\t${secs(s.stddev)}`);
  }
  lines.push(`  ${r.unit}/sec:\t${(r.seconds > 0 ? s.count / r.seconds : 0).toFixed(4)}`);
  if (s.count > 0) {
    const max = Math.max(...s.histogram.map((b) => b.count));
    lines.push('', 'Response time histogram:');
    for (const b of s.histogram) lines.push(`  ${b.mark.toFixed(4)} [${b.count}]\t|${'∎'.repeat(max > 0 ? Math.floor((b.count * BAR) / max) : 0)}`);
    lines.push('', 'Latency distribution:');
    for (const [p, v] of s.percentiles) lines.push(`  ${p}% in ${secs(v)}`);
  }
  if (r.errors.size > 0) {
    lines.push('', 'Error distribution:');
    for (const [text, n] of [...r.errors].sort((a, b) => b[1] - a[1])) lines.push(`  [${n}]\t${text}`);
  }
  return lines;
}

export function toJson(r: BenchResult): BenchJson {
  const s = latencyStats(r.latencies, 1);
  const ms = (x: number): number => Math.round(x * 1e6) / 1e3;
  return {
    command: r.command,
    unit: r.unit,
    total: s.count,
    errors: errorCount(r),
    seconds: Math.round(r.seconds * 1e4) / 1e4,
    requestsPerSec: r.seconds > 0 ? Math.round((s.count / r.seconds) * 10) / 10 : 0,
    averageMs: ms(s.average),
    p50Ms: ms(at(s, 50)),
    p90Ms: ms(at(s, 90)),
    p99Ms: ms(at(s, 99)),
    p999Ms: ms(at(s, 99.9)),
    slowestMs: ms(s.slowest),
    errorTexts: Object.fromEntries(r.errors),
    notes: r.notes ?? [],
  };
}
