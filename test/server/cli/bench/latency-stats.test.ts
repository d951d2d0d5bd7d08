import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { latencyStats, percentile, planWorkers, split, splitWeighted, type BenchConfig } from '../../../../server/src/cli/bench/index.js';

const seq = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => i + 1);

describe('latency math', () => {
  test('nearest-rank percentiles on 1..10 and 1..1000', () => {
    const ten = seq(10);
    assert.deepEqual([10, 25, 50, 75, 90, 95, 99, 99.9].map((p) => percentile(ten, p)), [1, 3, 5, 8, 9, 10, 10, 10]);
    const k = seq(1000);
    assert.deepEqual([10, 50, 99, 99.9].map((p) => percentile(k, p)), [100, 500, 990, 999]);
    assert.equal(percentile(new Float64Array(0), 50), 0);
    assert.equal(percentile(Float64Array.of(7), 0.1), 7);
  });

  test('summary of unsorted samples: fastest, slowest, average, population stddev, percentiles', () => {
    const s = latencyStats(Float64Array.of(4, 2, 9, 4, 5, 4, 7, 5));
    assert.equal(s.count, 8);
    assert.equal(s.fastest, 2);
    assert.equal(s.slowest, 9);
    assert.equal(s.average, 5);
    assert.equal(s.stddev, 2);
    assert.deepEqual(s.percentiles.find(([p]) => p === 50), [50, 4]);
    assert.deepEqual(s.percentiles.find(([p]) => p === 99.9), [99.9, 9]);
  });

  test('histogram: 11 marks from fastest to slowest, every sample counted once at the first mark >= it', () => {
    const s = latencyStats(Float64Array.of(0, 1, 1, 5, 10, 10, 10));
    assert.deepEqual(s.histogram.map((b) => b.mark), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(s.histogram.map((b) => b.count), [1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 3]);
    const one = latencyStats(Float64Array.of(3, 3));
    assert.equal(one.histogram.reduce((n, b) => n + b.count, 0), 2);
    assert.deepEqual(latencyStats(new Float64Array(0)).histogram, []);
  });
});

describe('dividing the load over workers', () => {
  test('split and splitWeighted keep the total and follow the weights', () => {
    assert.deepEqual(split(10, 3), [4, 3, 3]);
    assert.deepEqual(split(2, 4), [1, 1, 0, 0]);
    assert.deepEqual(splitWeighted(10, [2, 1, 1]), [5, 3, 2]);
    assert.deepEqual(splitWeighted(7, [0, 3, 0]), [0, 7, 0]);
    assert.deepEqual(splitWeighted(5, [0, 0]), [0, 0]);
  });

  const base = { endpoints: ['a:1', 'b:2'], json: false } as const;
  test('never more workers than conns or clients; conns alternate endpoints; requests follow clients', () => {
    const c: BenchConfig = { ...base, kind: 'put', conns: 3, clients: 5, total: 100, workers: 8, keySize: 8, valSize: 8, keySpaceSize: 1, sequentialKeys: false };
    const t = planWorkers(c);
    assert.equal(t.length, 3);
    assert.deepEqual(t.map((w) => w.clients), [2, 2, 1]);
    assert.deepEqual(t.map((w) => w.requests), [40, 40, 20]);
    assert.deepEqual(t.map((w) => w.firstRequest), [0, 40, 80]);
    assert.deepEqual(t.flatMap((w) => w.connEndpoints), ['a:1', 'b:2', 'a:1']);
  });

  test('watch: streams, watcher offsets and put offsets are contiguous over workers', () => {
    const c: BenchConfig = { ...base, kind: 'watch', conns: 4, clients: 1, total: 0, workers: 2, streams: 5, watchPerStream: 3, watchedKeyTotal: 2, putTotal: 9, putRate: 0, valSize: 8 };
    const t = planWorkers(c);
    assert.deepEqual(t.map((w) => [w.streams, w.watcherOffset, w.clients, w.requests, w.firstRequest]), [[3, 0, 1, 9, 0], [2, 9, 0, 0, 9]]);
  });
});
