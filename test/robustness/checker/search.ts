// Wing & Gong's search for a linearization, with Lowe's memoisation: the history becomes a
// doubly linked list of call and return events in time order. We walk it from the front; at a
// call we try to linearize that operation now (the model accepts it, and the pair (linearized
// set, model state) was never explored before) and restart from the front; at a return we have
// found an operation that had to take effect already but could not, so we undo the last choice.
// An operation with unknown outcome has no return event: it never forces backtracking, so it
// may be linearized anywhere after its call or not at all. Success: no return event is left.
import { BitSet } from './bitset.js';
import type { Model } from './model.js';
import type { Operation } from './history.js';

export type SearchResult = { readonly kind: 'ok' } | { readonly kind: 'violation' } | { readonly kind: 'unknown' };

interface Events {
  /** For each event: the operation's position in `ops`. */
  readonly op: Int32Array;
  /** For a call event: its return event, or -1 (unknown outcome); for a return event: -2. */
  readonly ret: Int32Array;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** The index of the sentinel event that heads the list. */
  readonly head: number;
  readonly returns: number;
}

/** Builds the event list; at equal times calls sort before returns (they count as concurrent). */
function buildEvents(ops: readonly Operation[]): Events {
  const raw: { time: number; isCall: boolean; op: number }[] = [];
  ops.forEach((o, i) => {
    raw.push({ time: o.call, isCall: true, op: i });
    if (o.return !== undefined) raw.push({ time: o.return, isCall: false, op: i });
  });
  raw.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.op - b.op);
  const n = raw.length;
  const op = new Int32Array(n + 1);
  const ret = new Int32Array(n + 1).fill(-1);
  const next = new Int32Array(n + 1);
  const prev = new Int32Array(n + 1);
  const callAt = new Int32Array(ops.length);
  let returns = 0;
  raw.forEach((e, i) => {
    op[i] = e.op;
    if (e.isCall) callAt[e.op] = i;
    else {
      ret[i] = -2;
      ret[callAt[e.op]!] = i;
      returns++;
    }
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i === 0 ? n : i - 1;
  });
  next[n] = n > 0 ? 0 : -1;
  return { op, ret, next, prev, head: n, returns };
}

function unlink(ev: Events, i: number): void {
  ev.next[ev.prev[i]!] = ev.next[i]!;
  if (ev.next[i] !== -1) ev.prev[ev.next[i]!] = ev.prev[i]!;
}

function relink(ev: Events, i: number): void {
  ev.next[ev.prev[i]!] = i;
  if (ev.next[i] !== -1) ev.prev[ev.next[i]!] = i;
}

interface Frame<S> {
  readonly call: number;
  readonly before: S;
  readonly choices: readonly S[];
  readonly chosen: number;
}

/** Searches for a linearization of `ops` against `model`, giving up at `deadline` (ms, `now()`). */
export function searchLinearization<S>(
  model: Model<S>,
  ops: readonly Operation[],
  deadline: number,
  now: () => number,
): SearchResult {
  const ev = buildEvents(ops);
  const bits = new BitSet(ops.length);
  const seen = new Set<string>();
  const stack: Frame<S>[] = [];
  let state = model.init();
  let pending = ev.returns;
  let iterations = 0;

  /** Linearizes the call event `call` into the first unexplored of `choices` from `from` on. */
  const tryChoices = (call: number, choices: readonly S[], from: number): boolean => {
    const o = ev.op[call]!;
    bits.set(o);
    for (let c = from; c < choices.length; c++) {
      const k = bits.key() + model.key(choices[c]!);
      if (seen.has(k)) continue;
      seen.add(k);
      stack.push({ call, before: state, choices, chosen: c });
      state = choices[c]!;
      unlink(ev, call);
      if (ev.ret[call]! >= 0) {
        unlink(ev, ev.ret[call]!);
        pending--;
      }
      return true;
    }
    bits.clear(o);
    return false;
  };

  let entry = ev.next[ev.head]!;
  while (pending > 0) {
    if ((iterations++ & 1023) === 0 && now() >= deadline) return { kind: 'unknown' };
    if (entry >= 0 && ev.ret[entry] !== -2) {
      const choices = model.step(state, ops[ev.op[entry]!]!);
      entry = tryChoices(entry, choices, 0) ? ev.next[ev.head]! : ev.next[entry]!;
      continue;
    }
    // A return of an operation not yet linearized (or, defensively, the end): undo one choice.
    const frame = stack.pop();
    if (frame === undefined) return { kind: 'violation' };
    const call = frame.call;
    state = frame.before;
    bits.clear(ev.op[call]!);
    if (ev.ret[call]! >= 0) {
      relink(ev, ev.ret[call]!);
      pending++;
    }
    relink(ev, call);
    entry = tryChoices(call, frame.choices, frame.chosen + 1) ? ev.next[ev.head]! : ev.next[call]!;
  }
  return { kind: 'ok' };
}
