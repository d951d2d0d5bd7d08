// The etcd KV as seen through one key: a register plus what the revisions let us know.
//
// Revisions are global (one counter for the whole cluster), but we check one key at a time, so
// the model keeps only what a single key's operations can establish:
// - `rev`: a lower bound on the cluster revision at this point of the linearization. A write
//   that created revision r must come after everything seen so far (r > rev); a read whose
//   header says h must not be older than anything seen so far (h >= rev).
// - the mod revision of the current value as an interval [modLo, modHi]: exact once a write's
//   revision is known; a write whose revision was not recorded (timed out, or the harness did
//   not record it) is only known to be above `rev`, and later reads narrow it.
// Writes to other keys consume revisions too, so a key sees gaps: "+1 per write" is not checked
// here but by the ordering checks of revision-order.ts across the whole history.
import type { Model } from './model.js';
import type { CasExpect, Operation, Output, Value } from './history.js';
import { assertNever } from '../../../server/src/util/index.js';

export interface KeyState {
  readonly value: Value;
  readonly modLo: number;
  readonly modHi: number;
  readonly rev: number;
}

const INITIAL: KeyState = { value: null, modLo: 0, modHi: 0, rev: 0 };

/** The per-key model. With `revisions: false` every recorded revision is ignored. */
export function kvModel(options: { revisions: boolean }): Model<KeyState> {
  const useRev = options.revisions;
  return {
    init: () => INITIAL,
    step: (state, op) => step(state, op, useRev),
    key: (s) => `${s.value === null ? '-' : JSON.stringify(s.value)}@${s.modLo}:${s.modHi}/${s.rev}`,
  };
}

function step(state: KeyState, op: Operation, useRev: boolean): KeyState[] {
  const out = op.output;
  const rev = useRev ? out?.revision : undefined;
  const input = op.input;
  switch (input.kind) {
    case 'get':
      return out?.kind === 'get' ? read(state, out.value, rev, useRev ? out.modRevision : undefined) : [state];
    case 'put':
      return write(state, input.value, rev);
    case 'delete':
      return deleteKey(state, out, rev);
    case 'cas':
      return cas(state, input.expect, input.value, out, rev, useRev);
    default:
      return assertNever(input, 'operation');
  }
}

/** A read (or anything answering like one): value must match; revisions must not go back. */
function read(s: KeyState, value: Value, header: number | undefined, mod: number | undefined): KeyState[] {
  if (value !== s.value) return [];
  let { modLo, modHi, rev } = s;
  if (header !== undefined) {
    if (header < rev) return [];
    rev = header;
    if (value !== null) {
      if (header < modLo) return [];
      modHi = Math.min(modHi, header);
    }
  }
  if (mod !== undefined && value !== null) {
    if (mod < modLo || mod > modHi) return [];
    modLo = modHi = mod;
    rev = Math.max(rev, mod);
  }
  return [{ value, modLo, modHi, rev }];
}

/** A write that took effect; `revision` undefined: only known to come after everything seen. */
function write(s: KeyState, value: Value, revision: number | undefined): KeyState[] {
  if (revision === undefined) {
    const lo = s.rev + 1;
    return [value === null ? { value, modLo: 0, modHi: 0, rev: lo } : { value, modLo: lo, modHi: Infinity, rev: lo }];
  }
  if (revision <= s.rev) return [];
  return [value === null ? { value, modLo: 0, modHi: 0, rev: revision } : { value, modLo: revision, modHi: revision, rev: revision }];
}

function deleteKey(s: KeyState, out: Output | undefined, rev: number | undefined): KeyState[] {
  if (out === undefined) return s.value === null ? [s] : write(s, null, undefined);
  if (out.kind !== 'delete') return [];
  if (out.deleted > 0) return s.value === null ? [] : write(s, null, rev);
  return read(s, null, rev, undefined);
}

/** Whether the compare holds: 'yes', 'no', or 'maybe' when the mod revision is only a range. */
function compare(s: KeyState, expect: CasExpect): 'yes' | 'no' | 'maybe' {
  if (expect.kind === 'value') return expect.value === s.value ? 'yes' : 'no';
  const m = expect.modRevision;
  if (s.value === null) return m === 0 ? 'yes' : 'no';
  if (m < s.modLo || m > s.modHi) return 'no';
  return s.modLo === s.modHi ? 'yes' : 'maybe';
}

function cas(
  s: KeyState,
  expect: CasExpect,
  value: string,
  out: Output | undefined,
  rev: number | undefined,
  useRev: boolean,
): KeyState[] {
  // Without revision checking a mod-revision compare cannot be judged: allow either outcome.
  const c = !useRev && expect.kind === 'modRevision' ? 'maybe' : compare(s, expect);
  if (out === undefined) {
    const results: KeyState[] = [];
    if (c !== 'no') results.push(...write(s, value, undefined));
    if (c !== 'yes') results.push(s);
    return results;
  }
  if (out.kind !== 'cas') return [];
  if (out.succeeded) return c === 'no' ? [] : write(s, value, rev);
  if (c === 'yes') return [];
  // A failed txn answers like a read of the current revision; its value was not returned.
  if (rev === undefined) return [s];
  if (rev < s.rev || (s.value !== null && rev < s.modLo)) return [];
  return [{ ...s, rev, modHi: s.value === null ? s.modHi : Math.min(s.modHi, rev) }];
}
