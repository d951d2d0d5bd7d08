// Makes operations with unknown outcome cheap before the search. Each such write may take effect
// anywhere after its call, so a handful of them multiply the states the search must visit.
// Two sound simplifications (values written are assumed unique per key only where stated):
// - A write with unknown outcome that nothing could have depended on is dropped (see
//   mayDropWrite: forbidding its effect cannot make a linearizable history fail).
// - A put or cas with unknown outcome whose value no other write on the key writes, and that a
//   completed operation observed (read the value, or compared against it and succeeded), must
//   have taken effect before that observer returned: it gets that return time (its outcome
//   stays unknown), so the search no longer carries it to the end of time.
import type { IndexedOperation, Operation } from './history.js';
import { isRead, mayDropWrite, type ShrunkOperation } from './shrink.js';

const asShrunk = (ops: readonly IndexedOperation[]): ShrunkOperation[] => ops.map((x) => ({ ...x, weakened: false }));

/** The value a completed operation saw and its recorded outcome proves was there. */
function observedValue(op: Operation): string | null | undefined {
  const out = op.output;
  if (out?.kind === 'get') return out.value;
  if (out?.kind === 'cas' && out.succeeded && op.input.kind === 'cas' && op.input.expect.kind === 'value') {
    return op.input.expect.value;
  }
  return undefined;
}

function dropUnobservedUnknownWrites(ops: readonly IndexedOperation[]): IndexedOperation[] {
  let current = asShrunk(ops);
  for (let changed = true; changed; ) {
    changed = false;
    for (const x of current) {
      if (x.op.output !== undefined || isRead(x.op)) continue;
      const rest = current.filter((y) => y !== x);
      if (mayDropWrite(x, rest)) {
        current = rest;
        changed = true;
      }
    }
  }
  return current.map(({ index, op }) => ({ index, op }));
}

function bindObservedUnknownWrites(ops: readonly IndexedOperation[]): IndexedOperation[] {
  const writers = new Map<string, number>();
  for (const { op } of ops) {
    if (op.input.kind === 'put' || op.input.kind === 'cas') writers.set(op.input.value, (writers.get(op.input.value) ?? 0) + 1);
  }
  const firstSeen = new Map<string, number>();
  for (const { op } of ops) {
    const v = observedValue(op);
    if (typeof v === 'string' && op.return !== undefined) firstSeen.set(v, Math.min(firstSeen.get(v) ?? Infinity, op.return));
  }
  return ops.map((x) => {
    const input = x.op.input;
    if (x.op.output !== undefined || (input.kind !== 'put' && input.kind !== 'cas')) return x;
    const seen = firstSeen.get(input.value);
    if (seen === undefined || writers.get(input.value) !== 1 || seen < x.op.call) return x;
    return { index: x.index, op: { ...x.op, return: seen } };
  });
}

/** Simplifies one key's operations for the search; the result is linearizable iff the input is. */
export function prepareKeyHistory(ops: readonly IndexedOperation[]): IndexedOperation[] {
  return bindObservedUnknownWrites(dropUnobservedUnknownWrites(ops));
}
