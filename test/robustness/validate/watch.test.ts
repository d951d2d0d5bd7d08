import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EV, created, del, goodRun, kv, progress, put, resp } from './fixture.js';
import { validateWatches, type ValidationInput, type Violation, type WatchRecord } from './index.js';

/** A copy of the good run changed by `change`. */
function broken(change: (run: ValidationInput & { watches: WatchRecord[] }) => void): ValidationInput {
  const run = structuredClone(goodRun()) as ValidationInput & { watches: WatchRecord[] };
  change(run);
  return run;
}

function watch(run: { watches: WatchRecord[] }, i: number): WatchRecord {
  const w = run.watches[i];
  assert.ok(w !== undefined);
  return w;
}

function properties(vs: readonly Violation[]): string[] {
  return [...new Set(vs.map((v) => v.property))].sort();
}

function assertCaught(input: ValidationInput, property: string): void {
  const vs = validateWatches(input);
  assert.ok(vs.some((v) => v.property === property), `expected a ${property} violation, got ${JSON.stringify(vs, null, 1)}`);
}

describe('validateWatches', () => {
  test('the good run passes', () => {
    assert.deepEqual(validateWatches(goodRun()), []);
  });

  test('no watches, nothing to check', () => {
    assert.deepEqual(validateWatches({ history: goodRun().history, watches: [] }), []);
  });

  test('ordered: a revision after a higher one', () => {
    assertCaught(broken((r) => {
      const rs = watch(r, 0).responses;
      [rs[3], rs[4]] = [rs[4]!, rs[3]!];
    }), 'ordered');
  });

  test('unique: the same event twice', () => {
    const input = broken((r) => { watch(r, 0).responses.splice(3, 0, resp(3, [EV.b1])); });
    assertCaught(input, 'unique');
  });

  test('atomic: one revision split over two responses', () => {
    assertCaught(broken((r) => {
      watch(r, 0).responses.splice(5, 1, resp(6, [EV.c1]), resp(6, [EV.d1]));
    }), 'atomic');
  });

  test('atomic: a revision delivered without one of its events', () => {
    const input = broken((r) => { watch(r, 0).responses[5] = resp(6, [EV.c1]); });
    assert.deepEqual(properties(validateWatches(input)), ['atomic']);
  });

  test('reliable: a gap inside the observed interval', () => {
    const input = broken((r) => { watch(r, 0).responses.splice(3, 1); });
    assert.deepEqual(properties(validateWatches(input)), ['reliable']);
  });

  test('reliable: a progress notification extends what must have been seen', () => {
    // Watch 4 (key d) misses d@6 but claims progress up to 7.
    const input = broken((r) => { watch(r, 4).responses = [created(1), progress(7)]; });
    assert.deepEqual(properties(validateWatches(input)), ['reliable']);
  });

  test('reliable: a watch that stopped early is not blamed for what came after', () => {
    const input = broken((r) => { watch(r, 0).responses.splice(5); });
    assert.deepEqual(validateWatches(input), []);
  });

  test('resumable: the first event is not the first one at or after the start', () => {
    const input = broken((r) => { watch(r, 1).responses.splice(1, 1); });
    assert.deepEqual(properties(validateWatches(input)), ['resumable']);
  });

  test('resumable: an event below the start revision', () => {
    assertCaught(broken((r) => {
      const w = watch(r, 2);
      w.responses.splice(1, 0, resp(2, [{ ...EV.a1 }]));
    }), 'resumable');
  });

  test('bookmarkable: an event at or below an earlier progress notification', () => {
    const input = broken((r) => { watch(r, 1).responses.splice(2, 0, progress(7)); });
    assert.deepEqual(properties(validateWatches(input)), ['bookmarkable']);
  });

  test('filters: NODELETE receives a delete', () => {
    assertCaught(broken((r) => { watch(r, 2).responses.splice(3, 0, resp(5, [del('b', 5)])); }), 'filters');
  });

  test('filters: NOPUT receives a put', () => {
    const input = broken((r) => {
      r.watches.push({
        clientId: 20, memberEndpoint: 'm1', request: { key: 'b', rangeEnd: '', startRevision: 2, prevKv: false, filters: ['NOPUT'], progressNotify: false },
        responses: [resp(3, [put(kv('b', 'b1', 3, 3, 1))]), resp(5, [del('b', 5)])],
      });
    });
    assert.deepEqual(properties(validateWatches(input)), ['filters']);
  });

  test('filters: a NOPUT watch that gets only deletes passes', () => {
    const input = broken((r) => {
      r.watches.push({
        clientId: 20, memberEndpoint: 'm1', request: { key: 'b', rangeEnd: '', startRevision: 2, prevKv: false, filters: ['NOPUT'], progressNotify: false },
        responses: [resp(5, [del('b', 5)])],
      });
    });
    assert.deepEqual(validateWatches(input), []);
  });

  test('range: an event for a key outside the watched range', () => {
    assertCaught(broken((r) => { watch(r, 1).responses.splice(1, 0, resp(3, [put(kv('b', 'b1', 3, 3, 1))])); }), 'range');
  });

  test('range: keys compare as UTF-8 bytes', () => {
    // U+FFFD sorts below U+1F600 in UTF-8 but above it in UTF-16 code units.
    const input = broken((r) => {
      r.history = [...r.history, { clientId: 1, call: 80, return: 81, input: { kind: 'put', key: '\u{1F600}', value: 'x' }, output: { kind: 'put', revision: 8 } }];
      r.watches.push({
        clientId: 21, memberEndpoint: 'm1', request: { key: '\uFFFD', rangeEnd: '\0', startRevision: 8, prevKv: false, filters: [], progressNotify: false },
        responses: [resp(8, [put(kv('\u{1F600}', 'x', 8, 8, 1))])],
      });
    });
    assert.deepEqual(validateWatches(input), []);
  });

  test('prevKv: a wrong previous value', () => {
    const input = broken((r) => {
      watch(r, 0).responses[6] = resp(7, [put(kv('a', 'a3', 7, 2, 3), kv('a', 'zz', 4, 2, 2))]);
    });
    assert.deepEqual(properties(validateWatches(input)), ['prevKv']);
  });

  test('prevKv: missing on an update, present on a create, present when not asked', () => {
    assertCaught(broken((r) => { watch(r, 0).responses[6] = resp(7, [put(kv('a', 'a3', 7, 2, 3))]); }), 'prevKv');
    assertCaught(broken((r) => { watch(r, 0).responses[1] = resp(2, [put(kv('a', 'a1', 2, 2, 1), kv('a', 'a0', 1, 1, 1))]); }), 'prevKv');
    assertCaught(broken((r) => { watch(r, 1).responses[2] = resp(7, [EV.a3]); }), 'prevKv');
  });

  test('prevKv: missing at or below a compaction is allowed (etcd drops what the compaction removed)', () => {
    const missingAt7 = (compactedUpTo: number): ValidationInput =>
      broken((r) => {
        watch(r, 0).responses[6] = resp(7, [put(kv('a', 'a3', 7, 2, 3))]);
        (r as { compactedUpTo?: number }).compactedUpTo = compactedUpTo;
      });
    assert.deepEqual(validateWatches(missingAt7(7)), []);
    assertCaught(missingAt7(6), 'prevKv');
  });

  test('prevKv: older than a change the log knows of', () => {
    // Claims a=a1@2 was the state before 7, but a changed at 4.
    const input = broken((r) => {
      watch(r, 0).responses[6] = resp(7, [put(kv('a', 'a3', 7, 2, 3), kv('a', 'a1', 2, 2, 2))]);
    });
    assertCaught(input, 'prevKv');
  });

  test('agreement: two watches see different changes at one revision', () => {
    assertCaught(broken((r) => { watch(r, 1).responses[1] = resp(4, [put(kv('a', 'a2', 4, 2, 5))]); }), 'agreement');
  });

  test('history: an acknowledged write missing at its revision', () => {
    const input = broken((r) => {
      r.history = [...r.history, { clientId: 5, call: 55, return: 56, input: { kind: 'put', key: 'e', value: 'e1' }, output: { kind: 'put', revision: 6 } }];
    });
    assertCaught(input, 'history');
  });

  test('history: an acknowledged write seen with another value', () => {
    const input = broken((r) => {
      r.history = r.history.map((o, i) => (i === 2 ? { ...o, input: { kind: 'put', key: 'a', value: 'other' } } : o));
    });
    assertCaught(input, 'history');
  });

  test('history: an acknowledged write above every observed interval is not required', () => {
    const input = broken((r) => {
      r.history = [...r.history, { clientId: 5, call: 90, return: 91, input: { kind: 'put', key: 'e', value: 'e1' }, output: { kind: 'put', revision: 9 } }];
    });
    assert.deepEqual(validateWatches(input), []);
  });

  test('phantom: a watched value nobody wrote', () => {
    const input = broken((r) => { watch(r, 0).responses[5] = resp(6, [put(kv('c', 'cX', 6, 6, 1)), EV.d1]); });
    assert.deepEqual(properties(validateWatches(input)), ['phantom']);
  });

  test('phantom: a written value seen at a revision other than the one acknowledged', () => {
    const input = broken((r) => {
      r.history = r.history.map((o, i) => (i === 4 ? { ...o, output: { kind: 'put', revision: 9 } } : o));
    });
    assertCaught(input, 'phantom');
  });

  test('phantom: a delete nobody asked for', () => {
    const input = broken((r) => { r.history = r.history.filter((o) => o.input.kind !== 'delete'); });
    assert.deepEqual(properties(validateWatches(input)), ['phantom']);
  });

  test('an unknown write may show up in the log', () => {
    const input = broken((r) => {
      r.history = r.history.map((o, i) => (i === 4 ? { clientId: o.clientId, call: o.call, input: o.input } : o));
    });
    assert.deepEqual(validateWatches(input), []);
  });

  test('compaction: canceled for a compaction never requested, or not canceled', () => {
    assertCaught(broken((r) => { watch(r, 3).responses = [resp(7, [], { compactRevision: 5, canceled: true })]; }), 'compaction');
    assertCaught(broken((r) => { watch(r, 3).responses = [resp(7, [], { compactRevision: 3, canceled: false })]; }), 'compaction');
    assertCaught(broken((r) => { watch(r, 2).responses = [resp(7, [], { compactRevision: 3, canceled: true })]; }), 'compaction');
  });

  test('header: an event above its response header revision', () => {
    assertCaught(broken((r) => { watch(r, 0).responses[6] = resp(6, [EV.a3]); }), 'header');
  });
});
