// A small, valid robustness run built by hand, for the validator tests to break one way at a time.
import type { Operation } from '../checker/history.js';
import type { KvRecord, ValidationInput, WatchEventRecord, WatchRecord, WatchResponseRecord } from './types.js';

export function kv(key: string, value: string, modRevision: number, createRevision: number, version: number): KvRecord {
  return { key, value, modRevision, createRevision, version, lease: 0 };
}

export function put(k: KvRecord, prevKv?: KvRecord): WatchEventRecord {
  return prevKv === undefined ? { type: 'PUT', ...k } : { type: 'PUT', ...k, prevKv };
}

export function del(key: string, revision: number, prevKv?: KvRecord): WatchEventRecord {
  const e: WatchEventRecord = { type: 'DELETE', key, value: '', modRevision: revision, createRevision: 0, version: 0, lease: 0 };
  return prevKv === undefined ? e : { ...e, prevKv };
}

export function resp(headerRevision: number, events: WatchEventRecord[], extra: Partial<WatchResponseRecord> = {}): WatchResponseRecord {
  return { time: headerRevision, headerRevision, events, compactRevision: 0, canceled: false, created: false, ...extra };
}

export const created = (header: number): WatchResponseRecord => resp(header, [], { created: true });
export const progress = (header: number): WatchResponseRecord => resp(header, []);

function op(clientId: number, call: number, input: Operation['input'], output?: Operation['output']): Operation {
  return output === undefined ? { clientId, call, input } : { clientId, call, return: call + 1, input, output };
}

/** Strips prevKv from an event (for watches that did not ask for it). */
const bare = (e: WatchEventRecord): WatchEventRecord => {
  const { prevKv: _drop, ...rest } = e;
  return rest;
};

const A1 = kv('a', 'a1', 2, 2, 1);
const B1 = kv('b', 'b1', 3, 3, 1);
const A2 = kv('a', 'a2', 4, 2, 2);
const C1 = kv('c', 'c1', 6, 6, 1);
const D1 = kv('d', 'd1', 6, 6, 1);
const A3 = kv('a', 'a3', 7, 2, 3);

export const EV = {
  a1: put(A1), b1: put(B1), a2: put(A2, A1), delB: del('b', 5, B1), c1: put(C1), d1: put(D1), a3: put(A3, A2),
};

/**
 * Revisions: 2 a=a1, 3 b=b1, 4 a=a2, 5 delete b, 6 c=c1 and d=d1 (one txn, acknowledged without
 * revisions), 7 a=a3. Watches: 0 everything from 1 with prevKv; 1 key a from "now" (3); 2 a..c
 * from 3 without deletes; 3 compacted at 3; 4 key d from 1.
 */
export function goodRun(): ValidationInput {
  const history: Operation[] = [
    op(1, 10, { kind: 'put', key: 'a', value: 'a1' }, { kind: 'put', revision: 2 }),
    op(1, 20, { kind: 'put', key: 'b', value: 'b1' }, { kind: 'put', revision: 3 }),
    op(2, 30, { kind: 'put', key: 'a', value: 'a2' }, { kind: 'put', revision: 4 }),
    op(2, 40, { kind: 'delete', key: 'b' }, { kind: 'delete', deleted: 1, revision: 5 }),
    op(3, 50, { kind: 'put', key: 'c', value: 'c1' }, { kind: 'put' }),
    op(3, 50, { kind: 'put', key: 'd', value: 'd1' }, { kind: 'put' }),
    op(1, 60, { kind: 'put', key: 'a', value: 'a3' }, { kind: 'put', revision: 7 }),
    op(2, 70, { kind: 'get', key: 'a' }, { kind: 'get', value: 'a3', revision: 7 }),
  ];
  const w0: WatchRecord = {
    clientId: 10, memberEndpoint: 'm1', request: { key: '', rangeEnd: '\0', startRevision: 1, prevKv: true, filters: [], progressNotify: true },
    responses: [created(1), resp(2, [EV.a1]), resp(3, [EV.b1]), resp(4, [EV.a2]), resp(5, [EV.delB]),
      resp(6, [EV.c1, EV.d1]), resp(7, [EV.a3]), progress(7)],
  };
  const w1: WatchRecord = {
    clientId: 11, memberEndpoint: 'm2', request: { key: 'a', rangeEnd: '', startRevision: 0, prevKv: false, filters: [], progressNotify: false },
    responses: [created(3), resp(4, [bare(EV.a2)]), resp(7, [bare(EV.a3)])],
  };
  const w2: WatchRecord = {
    clientId: 12, memberEndpoint: 'm3', request: { key: 'a', rangeEnd: 'c', startRevision: 3, prevKv: false, filters: ['NODELETE'], progressNotify: false },
    responses: [created(3), resp(3, [bare(EV.b1)]), resp(5, [bare(EV.a2)]), resp(7, [bare(EV.a3)])],
    endedBy: 'client closed',
  };
  const w3: WatchRecord = {
    clientId: 13, memberEndpoint: 'm1', request: { key: 'a', rangeEnd: '', startRevision: 1, prevKv: false, filters: [], progressNotify: false },
    responses: [resp(7, [], { compactRevision: 3, canceled: true })], endedBy: 'compacted',
  };
  const w4: WatchRecord = {
    clientId: 14, memberEndpoint: 'm2', request: { key: 'd', rangeEnd: '', startRevision: 1, prevKv: false, filters: [], progressNotify: true },
    responses: [created(1), resp(6, [EV.d1]), progress(7)],
  };
  return {
    history, watches: [w0, w1, w2, w3, w4], compactedUpTo: 3,
    finalState: { revision: 7, kvs: [A3, C1, D1] },
  };
}
