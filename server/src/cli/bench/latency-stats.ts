/** The percentiles printed in the latency distribution, as etcd's tool prints them. */
export const PERCENTILES = [10, 25, 50, 75, 90, 95, 99, 99.9] as const;

export interface HistogramBucket {
  /** Upper bound of the bucket in seconds (the first bucket holds exactly the fastest). */
  readonly mark: number;
  readonly count: number;
}

export interface LatencyStats {
  readonly count: number;
  readonly fastest: number;
  readonly slowest: number;
  readonly average: number;
  /** Population standard deviation. */
  readonly stddev: number;
  /** [percentile, seconds] for each of PERCENTILES; empty when there are no samples. */
  readonly percentiles: readonly (readonly [number, number])[];
  readonly histogram: readonly HistogramBucket[];
}

/**
 * Nearest-rank percentile of sorted samples: the smallest sample such that at least p% of all
 * samples are at or below it. Deterministic and exact on small inputs, which the tests rely on.
 */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  // The epsilon keeps float noise (99.9% of 1000 = 999.0000000000001) from moving up a rank.
  const rank = Math.ceil((p * sorted.length) / 100 - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

/**
 * Summarises latencies (seconds). The histogram has `buckets` + 1 marks evenly spaced from the
 * fastest to the slowest; a sample is counted in the first mark at or above it.
 */
export function latencyStats(samples: Float64Array, buckets = 10): LatencyStats {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, fastest: 0, slowest: 0, average: 0, stddev: 0, percentiles: [], histogram: [] };
  let sum = 0;
  for (const x of sorted) sum += x;
  const average = sum / n;
  let sq = 0;
  for (const x of sorted) sq += (x - average) * (x - average);
  const fastest = sorted[0] ?? 0;
  const slowest = sorted[n - 1] ?? 0;
  return {
    count: n,
    fastest,
    slowest,
    average,
    stddev: Math.sqrt(sq / n),
    percentiles: PERCENTILES.map((p) => [p, percentile(sorted, p)] as const),
    histogram: histogram(sorted, fastest, slowest, buckets),
  };
}

function histogram(sorted: Float64Array, fastest: number, slowest: number, buckets: number): HistogramBucket[] {
  const width = (slowest - fastest) / buckets;
  const marks = Array.from({ length: buckets + 1 }, (_, i) => (i === buckets ? slowest : fastest + width * i));
  const counts = new Array<number>(marks.length).fill(0);
  let b = 0;
  for (const x of sorted) {
    while (b < marks.length - 1 && x > (marks[b] ?? 0)) b++;
    counts[b] = (counts[b] ?? 0) + 1;
  }
  return marks.map((mark, i) => ({ mark, count: counts[i] ?? 0 }));
}
