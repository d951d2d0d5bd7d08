// The recorded history a robustness run hands to the checker: one entry per client request,
// timed with a single monotonic clock. This is the whole contract with the harness.

/** A value read from or written to a key; `null` means the key is absent. */
export type Value = string | null;

/** What a compare-and-swap (a single-key txn) compares: the value, or the key's mod revision. */
export type CasExpect =
  | { readonly kind: 'value'; readonly value: Value }
  | { readonly kind: 'modRevision'; readonly modRevision: number };

export type Input =
  | { readonly kind: 'get'; readonly key: string }
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'cas'; readonly key: string; readonly expect: CasExpect; readonly value: string }
  | { readonly kind: 'delete'; readonly key: string };

/**
 * What the server answered. Revisions are optional: a harness that does not record them still
 * gets value checking. `revision` is the response header revision (for a write that changed
 * something, the revision it created); `modRevision` is the key's mod revision as read.
 */
export type Output =
  | { readonly kind: 'get'; readonly value: Value; readonly revision?: number; readonly modRevision?: number }
  | { readonly kind: 'put'; readonly revision?: number }
  | { readonly kind: 'cas'; readonly succeeded: boolean; readonly revision?: number }
  | { readonly kind: 'delete'; readonly deleted: number; readonly revision?: number };

/**
 * One client request. `call` and `return` come from the same monotonic clock (any unit).
 * An operation whose outcome is unknown (timeout, connection lost, client crashed) has neither
 * `return` nor `output`: it may have taken effect at any instant after its call, or never.
 * Requests that failed definitely (rejected before proposal) should be left out by the harness.
 */
export interface Operation {
  readonly clientId: number;
  readonly call: number;
  readonly return?: number;
  readonly input: Input;
  readonly output?: Output;
}

/** An operation together with its position in the history the caller passed in. */
export interface IndexedOperation {
  readonly index: number;
  readonly op: Operation;
}

/** True when the operation completed (has a return time and an output). */
export function isCompleted(op: Operation): boolean {
  return op.return !== undefined && op.output !== undefined;
}

/** The revision an operation reports, if it reports one. */
export function reportedRevision(op: Operation): number | undefined {
  return op.output?.revision;
}

/**
 * True when a completed operation changed the store (and so created a new revision):
 * a put, a successful cas, or a delete that removed the key.
 */
export function isEffectiveWrite(op: Operation): boolean {
  const out = op.output;
  if (out === undefined) return false;
  switch (out.kind) {
    case 'get':
      return false;
    case 'put':
      return true;
    case 'cas':
      return out.succeeded;
    case 'delete':
      return out.deleted > 0;
  }
}
