// Readable text for operations, for violation reports a person has to reason about.
import type { CasExpect, IndexedOperation, Input, Output, Value } from './history.js';
import { assertNever } from '../../../server/src/util/index.js';

const show = (v: Value): string => (v === null ? 'absent' : JSON.stringify(v));

function showExpect(e: CasExpect): string {
  return e.kind === 'value' ? `value=${show(e.value)}` : `mod_revision=${e.modRevision}`;
}

function showInput(i: Input): string {
  switch (i.kind) {
    case 'get':
      return `get(${JSON.stringify(i.key)})`;
    case 'put':
      return `put(${JSON.stringify(i.key)}, ${show(i.value)})`;
    case 'delete':
      return `delete(${JSON.stringify(i.key)})`;
    case 'cas':
      return `cas(${JSON.stringify(i.key)}, if ${showExpect(i.expect)}, then ${show(i.value)})`;
    default:
      return assertNever(i, 'input');
  }
}

function showOutput(o: Output | undefined): string {
  if (o === undefined) return 'outcome unknown';
  const rev = o.revision === undefined ? '' : ` @rev ${o.revision}`;
  switch (o.kind) {
    case 'get':
      return `${show(o.value)}${o.modRevision === undefined ? '' : ` (mod ${o.modRevision})`}${rev}`;
    case 'put':
      return `ok${rev}`;
    case 'cas':
      return `${o.succeeded ? 'succeeded' : 'failed'}${rev}`;
    case 'delete':
      return `deleted ${o.deleted}${rev}`;
    default:
      return assertNever(o, 'output');
  }
}

/**
 * One line: `#index client c [call, return] operation -> outcome`, marked when the shrinker found
 * the write's answer irrelevant (it matters only as a possible source of a value).
 */
export function formatOperation(x: IndexedOperation & { readonly weakened?: boolean }): string {
  const known = x.op.output !== undefined;
  const ret = x.op.return === undefined || !known ? '?' : String(x.op.return);
  const seen = !known && x.op.return !== undefined ? `, its value seen by ${x.op.return}` : '';
  const note = x.weakened === true ? '  (answer not needed: any outcome fails)' : seen;
  return `#${x.index} client ${x.op.clientId} [${x.op.call}, ${ret}] ${showInput(x.op.input)} -> ${showOutput(x.op.output)}${note}`;
}

/** The operations in call order, one per line. */
export function formatHistory(ops: readonly (IndexedOperation & { readonly weakened?: boolean })[]): string {
  return [...ops]
    .sort((a, b) => a.op.call - b.op.call || a.index - b.index)
    .map(formatOperation)
    .join('\n');
}
