import type { BenchConfig, CommonConfig } from './bench-config.js';
import type { WorkerTask } from './worker-protocol.js';

/** Splits n into `parts` whole shares that differ by at most one, larger shares first. */
export function split(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

/** Splits n in proportion to weights (whole shares summing to n, largest remainders rounded up). */
export function splitWeighted(n: number, weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) return weights.map(() => 0);
  const shares = weights.map((w) => Math.floor((n * w) / total));
  const left = n - shares.reduce((a, b) => a + b, 0);
  // Largest remainder first (ties to the earlier worker), so shares stay closest to the weights.
  const order = weights.map((w, i) => ({ i, rem: (n * w) % total })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of order.slice(0, left)) shares[i] = (shares[i] ?? 0) + 1;
  return shares;
}

const prefixSums = (xs: readonly number[]): number[] => xs.map((_, i) => xs.slice(0, i).reduce((a, b) => a + b, 0));

/** Connection j goes to endpoint j mod |endpoints|, so conns spread over endpoints evenly. */
function endpointsFor(c: CommonConfig, connShares: readonly number[]): string[][] {
  const firsts = prefixSums(connShares);
  return connShares.map((n, w) => Array.from({ length: n }, (_, k) => c.endpoints[((firsts[w] ?? 0) + k) % c.endpoints.length] ?? ''));
}

/**
 * Divides a load over worker threads. Every worker gets at least one connection and one client
 * (so there are never more workers than either); requests follow the clients, so all workers
 * finish at about the same time. For watch, streams are divided too and the puts follow the put
 * clients (a worker may have streams but no putters).
 */
export function planWorkers(c: BenchConfig): WorkerTask[] {
  if (c.kind === 'watch') {
    const n = Math.max(1, Math.min(c.workers, c.conns, c.streams));
    const streams = split(c.streams, n);
    const clients = split(c.clients, n);
    const puts = splitWeighted(c.putTotal, clients);
    const conns = split(c.conns, n);
    const eps = endpointsFor(c, conns);
    const putOffsets = prefixSums(puts);
    const streamOffsets = prefixSums(streams);
    return streams.map((s, i) => ({
      config: c,
      index: i,
      connEndpoints: eps[i] ?? [],
      clients: clients[i] ?? 0,
      requests: puts[i] ?? 0,
      firstRequest: putOffsets[i] ?? 0,
      streams: s,
      watcherOffset: (streamOffsets[i] ?? 0) * c.watchPerStream,
    }));
  }
  const n = Math.max(1, Math.min(c.workers, c.conns, c.clients));
  const clients = split(c.clients, n);
  const requests = splitWeighted(c.total, clients);
  const eps = endpointsFor(c, split(c.conns, n));
  const firsts = prefixSums(requests);
  return clients.map((k, i) => ({
    config: c,
    index: i,
    connEndpoints: eps[i] ?? [],
    clients: k,
    requests: requests[i] ?? 0,
    firstRequest: firsts[i] ?? 0,
    streams: 0,
    watcherOffset: 0,
  }));
}
