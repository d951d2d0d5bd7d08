// Shrinks a failing one-key history to a small sub-history that still fails, so a person can
// read the violation in a few lines. Every step must keep the report honest: it may only relax
// the history, never invent a violation the original did not have.
// - A read (get, failed cas, delete of nothing) changes no state: dropping it only removes a
//   constraint, so it is dropped whenever the rest still fails.
// - A write is dropped only if no remaining operation observed anything it may have provided
//   (its value, the key's presence or absence, or, for a failed cas, any change at all): then
//   forbidding its effect can only make the rest easier to linearize.
// - A completed write that has to stay is weakened to "outcome unknown" (may take effect at any
//   time after its call, or never), again a pure relaxation: if the rest still fails, its answer
//   and return time played no part. Weakened writes that remain are reported as such.
// Weakened writes make the search branch, so each attempt gets a small budget of its own; an
// attempt that runs out is simply not taken.
import { isCompleted, type IndexedOperation, type Operation } from './history.js';
import type { SearchResult } from './search.js';
type Verdict = SearchResult['kind'];

export interface ShrunkOperation extends IndexedOperation {
  /** The write's answer was not needed: the failure remains even if its outcome is unknown. */
  readonly weakened: boolean;
}

export const isRead = (op: Operation): boolean =>
  op.input.kind === 'get' ||
  (op.output?.kind === 'cas' && !op.output.succeeded) ||
  (op.output?.kind === 'delete' && op.output.deleted === 0);

const lost = (op: Operation): Operation => ({ clientId: op.clientId, call: op.call, input: op.input });

/** Facts a write may make true when it takes effect ('*': any change of the key). */
function provides(op: Operation): string[] {
  if (op.input.kind === 'delete') return ['*', 'absent'];
  if (op.input.kind === 'get') return [];
  return ['*', 'present', `v:${op.input.value}`];
}

/** Facts an operation's recorded outcome shows were true when it took effect. */
function observes(op: Operation): string[] {
  const out = op.output;
  const input = op.input;
  if (out === undefined) return [];
  if (out.kind === 'get') return [out.value === null ? 'absent' : `v:${out.value}`];
  if (out.kind === 'delete') return [out.deleted > 0 ? 'present' : 'absent'];
  if (out.kind !== 'cas' || input.kind !== 'cas') return [];
  // A failed compare saw some state other than the expected one: any write may explain that.
  if (!out.succeeded) return ['*'];
  const e = input.expect;
  if (e.kind === 'value') return [e.value === null ? 'absent' : `v:${e.value}`];
  return [e.modRevision === 0 ? 'absent' : 'present'];
}

/**
 * What `y` depends on. A cas whose outcome is unknown (or weakened) observed nothing, but
 * whether it can take effect depends on its compare, so it counts as observing that.
 */
function dependsOn(y: ShrunkOperation): string[] {
  const input = y.op.input;
  if (input.kind === 'cas' && (y.weakened || y.op.output === undefined)) {
    return observes({ ...y.op, output: { kind: 'cas', succeeded: true } });
  }
  return y.weakened ? [] : observes(y.op);
}

/**
 * Whether forbidding `x`'s effect leaves every observation in `rest` as explainable as before:
 * in any linearization, nothing placed between `x` and the next write can have depended on `x`
 * (it would have observed x's value, presence, absence or some change), so `x` can be taken out.
 */
export function mayDropWrite(x: ShrunkOperation, rest: readonly ShrunkOperation[]): boolean {
  const facts = provides(x.op);
  return rest.every((y) => (y.op.return ?? Infinity) <= x.op.call || !dependsOn(y).some((f) => facts.includes(f)));
}

export type ShrinkVerdict = (ops: readonly Operation[], budgetMs: number) => Verdict;

class Shrinker {
  current: ShrunkOperation[];

  constructor(
    ops: readonly IndexedOperation[],
    private readonly verdict: ShrinkVerdict,
    private readonly attemptMs: number,
  ) {
    this.current = ops.map((x) => ({ ...x, weakened: false }));
  }

  /** Adopts `candidate` if it still fails; 'unknown' (attempt out of time) counts as no. */
  attempt(candidate: ShrunkOperation[]): boolean {
    const v = this.verdict(
      candidate.map((x) => (x.weakened ? lost(x.op) : x.op)),
      this.attemptMs,
    );
    if (v !== 'violation') return false;
    this.current = candidate;
    return true;
  }

  /** Drops chunks of operations (halves, quarters, ..., single ones) that `droppable` allows. */
  drop(droppable: (x: ShrunkOperation, rest: readonly ShrunkOperation[]) => boolean): boolean {
    let changed = false;
    for (let size = Math.max(1, this.current.length >> 1); size >= 1; size >>= 1) {
      for (let i = 0; i < this.current.length; ) {
        const chunk = this.current.slice(i, i + size);
        const rest = this.current.filter((x) => !chunk.includes(x));
        if (chunk.every((x) => droppable(x, rest)) && this.attempt(rest)) changed = true;
        else i += size;
      }
    }
    return changed;
  }

  /** Weakens completed writes one at a time. */
  weaken(): boolean {
    let changed = false;
    for (const x of [...this.current]) {
      if (isRead(x.op) || x.weakened || !isCompleted(x.op)) continue;
      if (this.attempt(this.current.map((y) => (y === x ? { ...y, weakened: true } : y)))) changed = true;
    }
    return changed;
  }
}

/**
 * Shrinks `ops` (which fail) while they keep failing. `verdict` must respect the overall
 * deadline itself; `attemptMs` caps each attempt.
 */
export function shrinkFailing(
  ops: readonly IndexedOperation[],
  verdict: ShrinkVerdict,
  attemptMs = 50,
): ShrunkOperation[] {
  const s = new Shrinker(ops, verdict, attemptMs);
  const dropReads = (): boolean => s.drop((x) => isRead(x.op));
  const dropWrites = (): boolean => s.drop((x, rest) => !isRead(x.op) && mayDropWrite(x, rest));
  for (let round = 0; round < 10; round++) {
    const a = dropReads();
    const b = dropWrites();
    if (!a && !b) break;
  }
  if (s.weaken()) {
    dropWrites();
    dropReads();
  }
  return s.current;
}
