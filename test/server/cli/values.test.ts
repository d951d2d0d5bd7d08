import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseGoDuration, parseGoInt, parseUrls } from '../../../server/src/cli/index.js';

describe('Go durations', () => {
  test('units, sums, fractions and signs parse to milliseconds', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['5s', 5000],
      ['2h', 7_200_000],
      ['1h30m', 5_400_000],
      ['1.5h', 5_400_000],
      ['100ms', 100],
      ['250us', 0.25],
      ['250µs', 0.25],
      ['1000000ns', 1],
      ['-1m', -60_000],
      ['+.5s', 500],
      ['1h0m0s', 3_600_000],
    ];
    for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
  });

  test('Go\'s errors for missing units, unknown units and junk', () => {
    assert.throws(() => parseGoDuration('5'), { message: 'time: missing unit in duration "5"' });
    assert.throws(() => parseGoDuration('5d'), { message: 'time: unknown unit "d" in duration "5d"' });
    assert.throws(() => parseGoDuration(''), { message: 'time: invalid duration ""' });
    assert.throws(() => parseGoDuration('s'), { message: 'time: invalid duration "s"' });
    assert.throws(() => parseGoDuration('1h x'), /unknown unit/);
  });
});

describe('integers and URLs', () => {
  test('signed and unsigned integers', () => {
    assert.equal(parseGoInt('-12', true), -12);
    assert.throws(() => parseGoInt('-12', false), { message: 'parse error' });
    assert.equal(parseGoInt('0o17', false), 15);
    assert.throws(() => parseGoInt('1e3', false), { message: 'parse error' });
    assert.throws(() => parseGoInt('9007199254740992', false), { message: 'value out of range' });
  });

  test('URL lists follow etcd: scheme, host:port, no path', () => {
    assert.deepEqual(parseUrls('http://127.0.0.1:2379,unix://localhost:1,https://[::1]:2379'), ['http://127.0.0.1:2379', 'unix://localhost:1', 'https://[::1]:2379']);
    assert.deepEqual(parseUrls(''), []);
    assert.throws(() => parseUrls('http://localhost'), /does not have the form "host:port"/);
    assert.throws(() => parseUrls('http://localhost:2379/'), /must not contain a path/);
    assert.throws(() => parseUrls('tcp://localhost:2379'), /scheme must be http, https, unix, or unixs/);
    assert.throws(() => parseUrls('localhost:2379'), /scheme|not a URL/);
  });
});
