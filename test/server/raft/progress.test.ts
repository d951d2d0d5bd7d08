import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Progress, progressStateName, type ProgressState } from '../../../server/src/raft/tracker/progress.js';
import { ProgressStateError } from '../../../server/src/raft/tracker/errors.js';
import { index } from '../../../server/src/raft/types.js';

/** A progress in `state` with the given match and next (pendingSnapshot for the snapshot state). */
function pr(state: ProgressState, match: number, next: number, opts: { inflight?: number; pending?: number; paused?: boolean } = {}): Progress {
  const p = new Progress(index(next), opts.inflight ?? 256);
  p.match = index(match);
  p.state = state;
  if (opts.pending !== undefined) p.pendingSnapshot = index(opts.pending);
  if (opts.paused !== undefined) p.msgAppFlowPaused = opts.paused;
  return p;
}

describe('Progress', () => {
  test('starts probing at the given next, match 0, inactive, not paused', () => {
    const p = new Progress(index(7), 4, 100, true);
    assert.equal(p.state, 'probe');
    assert.equal(p.match, 0);
    assert.equal(p.next, 7);
    assert.equal(p.recentActive, false);
    assert.equal(p.isPaused(), false);
    assert.equal(p.isLearner, true);
    assert.equal(p.inflights.size, 4);
    assert.equal(p.inflights.maxBytes, 100);
    assert.equal(new Progress(index(1), 1).isLearner, false);
  });

  test('becomeProbe from replicate restarts just after match and clears the window', () => {
    const p = pr('replicate', 1, 5);
    p.inflights.add(index(4));
    p.msgAppFlowPaused = true;
    p.becomeProbe();
    assert.equal(p.state, 'probe');
    assert.equal(p.next, 2);
    assert.equal(p.inflights.count(), 0);
    assert.equal(p.msgAppFlowPaused, false);
  });

  test('becomeProbe from snapshot resumes after the snapshot if it is ahead of match', () => {
    const a = pr('snapshot', 1, 5, { pending: 10 });
    a.becomeProbe();
    assert.deepEqual([a.state, a.next, a.pendingSnapshot], ['probe', 11, 0]);
    const b = pr('snapshot', 20, 21, { pending: 10 });
    b.becomeProbe();
    assert.equal(b.next, 21);
    // A failed snapshot (the caller zeroes pendingSnapshot first) falls back to match.
    const c = pr('snapshot', 1, 5, { pending: 0 });
    c.becomeProbe();
    assert.equal(c.next, 2);
  });

  test('becomeReplicate streams from just after match', () => {
    const p = pr('probe', 1, 5, { paused: true });
    p.becomeReplicate();
    assert.deepEqual([p.state, p.next, p.isPaused()], ['replicate', 2, false]);
  });

  test('becomeSnapshot pauses until reported, with next after the snapshot', () => {
    const p = pr('replicate', 3, 9);
    p.inflights.add(index(8));
    p.becomeSnapshot(index(20));
    assert.deepEqual([p.state, p.pendingSnapshot, p.next, p.isPaused(), p.inflights.count()], ['snapshot', 20, 21, true, 0]);
  });

  test('in replicate, sending moves next optimistically and fills the window until paused', () => {
    const p = pr('replicate', 5, 6, { inflight: 2 });
    p.updateOnEntriesSend(3, 30, index(6));
    assert.deepEqual([p.next, p.inflights.toArray(), p.isPaused()], [9, [8], false]);
    p.sentEntries(2, 20);
    assert.deepEqual([p.next, p.inflights.toArray(), p.isPaused()], [11, [8, 10], true]);
    // An empty append while full (sent to make progress) keeps the flow paused.
    p.msgAppFlowPaused = false;
    p.sentEntries(0, 0);
    assert.equal(p.isPaused(), true);
    // An ack frees the window and unpauses.
    assert.equal(p.maybeUpdate(index(8)), true);
    p.inflights.freeLE(index(8));
    assert.equal(p.isPaused(), false);
    p.sentEntries(0, 0);
    assert.equal(p.isPaused(), false);
  });

  test('in replicate, the byte budget pauses the flow', () => {
    const p = new Progress(index(1), 100, 50);
    p.becomeReplicate();
    p.sentEntries(1, 30);
    assert.equal(p.isPaused(), false);
    p.sentEntries(1, 30);
    assert.equal(p.isPaused(), true);
  });

  test('in probe, a non-empty append pauses until answered; an empty one does not', () => {
    const p = pr('probe', 0, 1);
    p.sentEntries(0, 0);
    assert.equal(p.isPaused(), false);
    p.sentEntries(2, 10);
    assert.equal(p.isPaused(), true);
    assert.equal(p.next, 1, 'probing does not move next optimistically');
    assert.equal(p.inflights.count(), 0);
  });

  test('an unknown state (possible only by a cast) is reported, not ignored', () => {
    const p = pr('probe', 0, 1);
    p.state = 'bogus' as ProgressState;
    assert.throws(() => p.isPaused(), /unexpected progress state: bogus/);
    assert.throws(() => p.sentEntries(1, 1), /unexpected progress state: bogus/);
  });

  test('sending in the snapshot state is refused', () => {
    const p = pr('snapshot', 0, 11, { pending: 10 });
    assert.throws(() => p.sentEntries(1, 1), ProgressStateError);
  });

  describe('maybeUpdate', () => {
    const cases: [number, boolean, number, number][] = [
      // [ack, updated, match, next] from match 3, next 5
      [2, false, 3, 5],
      [3, false, 3, 5],
      [4, true, 4, 5],
      [5, true, 5, 6],
      [6, true, 6, 7],
    ];
    for (const [ack, updated, match, next] of cases) {
      test(`ack ${ack} from match=3 next=5 → updated=${updated} match=${match} next=${next}`, () => {
        const p = pr('probe', 3, 5, { paused: true });
        assert.equal(p.maybeUpdate(index(ack)), updated);
        assert.equal(p.match, match);
        assert.equal(p.next, next);
        assert.equal(p.msgAppFlowPaused, !updated, 'a real ack unpauses, a stale one does not');
      });
    }
  });

  describe('maybeDecrTo', () => {
    const cases: { state: ProgressState; m: number; n: number; rejected: number; hint: number; ok: boolean; next: number }[] = [
      // Replicate: a rejection at or below match is stale.
      { state: 'replicate', m: 5, n: 10, rejected: 5, hint: 5, ok: false, next: 10 },
      { state: 'replicate', m: 5, n: 10, rejected: 4, hint: 4, ok: false, next: 10 },
      // Replicate: a real rejection sends next back to match+1 whatever the hint.
      { state: 'replicate', m: 5, n: 10, rejected: 9, hint: 9, ok: true, next: 6 },
      { state: 'replicate', m: 5, n: 10, rejected: 7, hint: 0, ok: true, next: 6 },
      // Probe: only an answer to the last probe (next-1) counts.
      { state: 'probe', m: 0, n: 10, rejected: 5, hint: 5, ok: false, next: 10 },
      { state: 'probe', m: 0, n: 10, rejected: 9, hint: 9, ok: true, next: 9 },
      { state: 'probe', m: 0, n: 10, rejected: 9, hint: 100, ok: true, next: 9 },
      { state: 'probe', m: 0, n: 10, rejected: 9, hint: 4, ok: true, next: 5 },
      { state: 'probe', m: 0, n: 2, rejected: 1, hint: 0, ok: true, next: 1 },
      // Probe: never back to or below match.
      { state: 'probe', m: 5, n: 10, rejected: 9, hint: 2, ok: true, next: 6 },
      // Snapshot: same rule as probe.
      { state: 'snapshot', m: 0, n: 11, rejected: 10, hint: 3, ok: true, next: 4 },
      { state: 'snapshot', m: 0, n: 11, rejected: 7, hint: 3, ok: false, next: 11 },
    ];
    for (const c of cases) {
      test(`${c.state} match=${c.m} next=${c.n}: reject ${c.rejected} hint ${c.hint} → ${c.ok ? `next=${c.next}` : 'stale'}`, () => {
        const p = pr(c.state, c.m, c.n, { paused: true });
        assert.equal(p.maybeDecrTo(index(c.rejected), index(c.hint)), c.ok);
        assert.equal(p.next, c.next);
        assert.equal(p.match, c.m);
        if (c.state !== 'replicate') assert.equal(p.msgAppFlowPaused, !c.ok, 'a usable rejection lets the next probe go out');
      });
    }
  });

  test('isPaused by state', () => {
    const cases: [ProgressState, boolean, boolean][] = [
      ['probe', false, false],
      ['probe', true, true],
      ['replicate', false, false],
      ['replicate', true, true],
      ['snapshot', false, true],
      ['snapshot', true, true],
    ];
    for (const [state, paused, want] of cases) {
      assert.equal(pr(state, 0, 1, { paused }).isPaused(), want, `${state} paused=${paused}`);
    }
  });

  test('resetState clears pause, pending snapshot and window', () => {
    const p = pr('snapshot', 2, 9, { pending: 8, paused: true });
    p.inflights.add(index(3));
    p.resetState('replicate');
    assert.deepEqual([p.state, p.pendingSnapshot, p.msgAppFlowPaused, p.inflights.count(), p.next, p.match], ['replicate', 0, false, 0, 9, 2]);
  });

  test('clone copies every field and owns its window', () => {
    const p = pr('replicate', 4, 8, { inflight: 3 });
    p.recentActive = true;
    p.isLearner = true;
    p.inflights.add(index(6), 5);
    const c = p.clone();
    assert.deepEqual([c.state, c.match, c.next, c.recentActive, c.isLearner, c.inflights.toArray(), c.inflights.bytes()], ['replicate', 4, 8, true, true, [6], 5]);
    c.inflights.add(index(7));
    c.next = index(20);
    assert.deepEqual(p.inflights.toArray(), [6]);
    assert.equal(p.next, 8);
  });

  test('toString names the state and only the notable flags', () => {
    const p = new Progress(index(1), 2);
    assert.equal(p.toString(), 'StateProbe match=0 next=1 inactive');
    p.recentActive = true;
    p.becomeReplicate();
    p.sentEntries(1, 0);
    assert.equal(p.toString(), 'StateReplicate match=0 next=2 inflight=1');
    p.sentEntries(1, 0);
    assert.equal(p.toString(), 'StateReplicate match=0 next=3 paused inflight=2[full]');
    p.isLearner = true;
    p.becomeSnapshot(index(9));
    assert.equal(p.toString(), 'StateSnapshot match=0 next=10 learner paused pendingSnap=9');
    assert.equal(progressStateName('replicate'), 'StateReplicate');
  });
});
