// Test support: terse constructors for hand-made histories. `rev` arguments are optional.
import type { Operation, Value } from './history.js';

type Span = readonly [client: number, call: number, ret: number];

export const get = ([clientId, call, ret]: Span, key: string, value: Value, revision?: number, modRevision?: number): Operation => ({
  clientId,
  call,
  return: ret,
  input: { kind: 'get', key },
  output: {
    kind: 'get',
    value,
    ...(revision === undefined ? {} : { revision }),
    ...(modRevision === undefined ? {} : { modRevision }),
  },
});

export const put = ([clientId, call, ret]: Span, key: string, value: string, revision?: number): Operation => ({
  clientId,
  call,
  return: ret,
  input: { kind: 'put', key, value },
  output: { kind: 'put', ...(revision === undefined ? {} : { revision }) },
});

export const del = ([clientId, call, ret]: Span, key: string, deleted: number, revision?: number): Operation => ({
  clientId,
  call,
  return: ret,
  input: { kind: 'delete', key },
  output: { kind: 'delete', deleted, ...(revision === undefined ? {} : { revision }) },
});

/** A compare-and-swap on the value (`expect` a Value) or on the mod revision (`{ mod }`). */
export const cas = (
  [clientId, call, ret]: Span,
  key: string,
  expect: Value | { mod: number },
  value: string,
  succeeded: boolean,
  revision?: number,
): Operation => ({
  clientId,
  call,
  return: ret,
  input: {
    kind: 'cas',
    key,
    value,
    expect: expect !== null && typeof expect === 'object' ? { kind: 'modRevision', modRevision: expect.mod } : { kind: 'value', value: expect },
  },
  output: { kind: 'cas', succeeded, ...(revision === undefined ? {} : { revision }) },
});

/** The same operation with its outcome lost (timed out at some point after its call). */
export const lost = (op: Operation): Operation => ({ clientId: op.clientId, call: op.call, input: op.input });
