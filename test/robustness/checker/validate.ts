// Rejects histories the checker cannot judge, so a harness bug is not reported as a server bug.
import { HistoryError } from './errors.js';
import type { Operation, Output } from './history.js';

const isRevision = (r: number | undefined): boolean => r === undefined || (Number.isSafeInteger(r) && r >= 0);

function validateOutput(o: Output, what: string): void {
  if (!isRevision(o.revision)) throw new HistoryError(`${what}: revision must be a non-negative integer`);
  if (o.kind === 'get' && !isRevision(o.modRevision)) {
    throw new HistoryError(`${what}: modRevision must be a non-negative integer`);
  }
  if (o.kind === 'delete' && !(Number.isSafeInteger(o.deleted) && o.deleted >= 0 && o.deleted <= 1)) {
    throw new HistoryError(`${what}: a single-key delete deletes 0 or 1 keys, not ${o.deleted}`);
  }
}

/** Throws HistoryError on the first malformed operation. */
export function validateHistory(history: readonly Operation[]): void {
  history.forEach((op, i) => {
    const what = `operation #${i}`;
    if (!Number.isFinite(op.call)) throw new HistoryError(`${what}: call time must be a finite number`);
    if ((op.return === undefined) !== (op.output === undefined)) {
      throw new HistoryError(`${what}: an operation has both a return time and an output, or neither`);
    }
    if (op.return !== undefined && !(Number.isFinite(op.return) && op.return >= op.call)) {
      throw new HistoryError(`${what}: return time must be finite and not before the call`);
    }
    if (op.output === undefined) return;
    if (op.output.kind !== op.input.kind) {
      throw new HistoryError(`${what}: output kind ${op.output.kind} does not match input kind ${op.input.kind}`);
    }
    validateOutput(op.output, what);
  });
}
