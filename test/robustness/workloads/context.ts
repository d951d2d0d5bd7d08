// What every workload gets: the cluster, the recorder, a seeded random source and a stop flag.
import type { Cluster } from '../harness/cluster.js';
import type { Recorder } from '../harness/history.js';

export interface WorkloadContext {
  readonly cluster: Cluster;
  readonly rec: Recorder;
  /** Seeded: the same seed picks the same operations (timings still vary). */
  readonly rand: () => number;
  readonly stopped: () => boolean;
}

export const pick = <T>(rand: () => number, xs: readonly T[]): T => {
  const x = xs[Math.floor(rand() * xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
};

/** A short pause between operations so a 2-core machine also has time for the members. */
export const breathe = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
