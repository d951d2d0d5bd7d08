import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FrameReader, formatReport, frameMessage, toJson, type BenchResult } from '../../../../server/src/cli/bench/index.js';

const result: BenchResult = {
  command: 'put',
  latencies: Float64Array.of(0.001, 0.002, 0.003, 0.004),
  errors: new Map([['rpc error: code = Unavailable desc = x', 2]]),
  seconds: 2,
  unit: 'Requests',
};

describe('bench report', () => {
  test('text report: summary, histogram, latency distribution, error distribution', () => {
    const text = formatReport(result).join('\n');
    assert.match(text, /Summary:\n {2}Total:\t2\.0000 secs\.\n {2}Slowest:\t0\.0040 secs\.\n {2}Fastest:\t0\.0010 secs\.\n {2}Average:\t0\.0025 secs\.\n {2}Stddev:\t0\.0011 secs\.\n {2}Requests\/sec:\t2\.0000/);
    assert.match(text, /Response time histogram:\n {2}0\.0010 \[1\]\t\|∎+\n/);
    assert.match(text, /Latency distribution:\n {2}10% in 0\.0010 secs\.\n {2}25% in 0\.0010 secs\.\n {2}50% in 0\.0020 secs\.\n[^]*99\.9% in 0\.0040 secs\./);
    assert.match(text, /Error distribution:\n {2}\[2\]\trpc error: code = Unavailable desc = x/);
  });

  test('watch results are labelled Events/sec and carry their notes', () => {
    const text = formatReport({ ...result, unit: 'Events', notes: ['10 watchers'], errors: new Map() }).join('\n');
    assert.match(text, /^10 watchers\n/);
    assert.match(text, /Events\/sec:\t2\.0000/);
    assert.doesNotMatch(text, /Error distribution/);
  });

  test('JSON form: counts, rate and percentiles in milliseconds', () => {
    const j = toJson(result);
    assert.deepEqual([j.command, j.total, j.errors, j.requestsPerSec, j.p50Ms, j.p99Ms, j.averageMs, j.slowestMs], ['put', 4, 2, 2, 2, 4, 2.5, 4]);
    assert.deepEqual(j.errorTexts, { 'rpc error: code = Unavailable desc = x': 2 });
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(j)));
  });

  test('an empty run prints a summary without histogram', () => {
    const text = formatReport({ ...result, latencies: new Float64Array(0) }).join('\n');
    assert.match(text, /Requests\/sec:\t0\.0000/);
    assert.doesNotMatch(text, /histogram/);
  });
});

describe('gRPC message framing', () => {
  test('messages split across chunks at every byte boundary come out whole and in order', () => {
    const msgs = [Buffer.from('hello'), Buffer.alloc(0), Buffer.alloc(300, 7)];
    const wire = Buffer.concat(msgs.map((m) => frameMessage(m)));
    for (let cut = 0; cut <= wire.length; cut++) {
      for (const step of [1, 3, 64]) {
        const got: Buffer[] = [];
        const r = new FrameReader((m) => got.push(Buffer.from(m)));
        r.push(wire.subarray(0, cut));
        for (let i = cut; i < wire.length; i += step) r.push(wire.subarray(i, Math.min(wire.length, i + step)));
        assert.deepEqual(got, msgs, `cut ${cut} step ${step}`);
        assert.equal(r.leftover, 0);
      }
    }
  });

  test('a compressed message is refused; a partial one stays pending', () => {
    const r = new FrameReader(() => undefined);
    r.push(Buffer.from([0, 0, 0, 0, 9, 1]));
    assert.equal(r.leftover, 6);
    assert.throws(() => new FrameReader(() => undefined).push(Buffer.from([1, 0, 0, 0, 0])), /compressed/);
  });
});
