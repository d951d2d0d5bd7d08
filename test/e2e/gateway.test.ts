// Differential test of the JSON gateway: one list of HTTP requests, run against a fresh etcd
// 3.4.23 and a fresh Cairn member; every step's status and body must be equal once the values
// that differ between any two members (ids, ports, timings, db layout) are normalised. Stream
// steps (watch, keep-alive, snapshot) compare their `{"result":...}` lines the same way. A
// stream's body is sent whole: etcd's gateway (Go's HTTP/1.1 server) answers nothing while the
// request body is still open, so a body kept open has no etcd behaviour to compare with.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { MemberProcess, type MemberKind } from './cluster-process.js';

interface Step {
  readonly path: string;
  readonly body: string;
  readonly method?: string;
  /** A stream: read this many lines (or until the response ends), running `during` after the first. */
  readonly lines?: number;
  readonly during?: readonly Step[];
  /** Stores the first group of this pattern (matched on the raw body) as {REV} (or {captureAs}) for later steps. */
  readonly capture?: RegExp;
  readonly captureAs?: string;
  /** Request headers; {VAR} in a value is replaced as in bodies (e.g. an auth token). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Masks for differences that are legitimate (each says why). */
  readonly mask?: (s: string) => string;
}

interface Outcome {
  readonly status: number;
  readonly body: string;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Cairn's db file is LMDB (sizes differ), its raft log has other bootstrap entries, and it reports its own version. */
const maskStatus = (s: string): string =>
  s.replace(/"(dbSize|dbSizeInUse|raftIndex|raftAppliedIndex)":"\d+"/g, '"$1":"<N>"').replace(/"version":"[^"]*"/, '"version":"<V>"');
/** The remaining TTL depends on how long the steps in between took. */
const maskTtl = (s: string): string => s.replace(/"TTL":"\d+"/g, '"TTL":"<T>"');
/** The hash covers the db layout, which is Cairn's own. */
const maskHash = (s: string): string => s.replace(/"hash":\d+/g, '"hash":<H>');
/** Snapshot chunks: the db file is Cairn's own (LMDB), so only the shape of each line is compared. */
const maskSnapshot = (s: string): string => s.replace(/^\{"result":\{.*"blob":"[^"]*"\}\}$/gm, '{"result":<CHUNK>}').replace(/(\{"result":<CHUNK>\}\n)+/g, '<CHUNKS>\n');

/**
 * A member added here gets a random id, and members are listed in id order: mask the new id and
 * compare the list as a set.
 */
const maskNewMember = (s: string): string =>
  s
    .replace(/"ID":"\d+"/g, '"ID":"<NEW>"')
    .replace(/"members":\[(.*)\]\}$/, (_, list: string) => `"members":[${list.split('},{').map((m) => m.replace(/^\{|\}$/g, '')).sort().map((m) => `{${m}}`).join(',')}]}`);

const KV_STEPS: Step[] = [
  { path: '/v3/kv/put', body: `{"key":"${b64('foo')}","value":"${b64('bar')}"}` },
  { path: '/v3/kv/put', body: `{"key":"${b64('foo')}","value":"${b64('baz')}","prev_kv":true}` },
  { path: '/v3/kv/put', body: `{"key":"${b64('foo2')}","value":"${b64('<&>')}","prevKv":true}` },
  { path: '/v3/kv/range', body: `{"key":"${b64('foo')}"}` },
  { path: '/v3beta/kv/range', body: `{"key":"${b64('foo')}","range_end":"${b64('fop')}","sort_order":"DESCEND","sort_target":"KEY"}` },
  { path: '/v3/kv/range', body: `{"key":"${b64('foo')}","rangeEnd":"${b64('fop')}","limit":"1","count_only":false,"keysOnly":true}` },
  { path: '/v3/kv/range', body: `{"key":"${b64('foo')}","range_end":"${b64('fop')}","count_only":true}` },
  { path: '/v3/kv/range', body: `{"key":"${b64('foo')}","revision":1000}` },
  { path: '/v3/kv/range', body: `{"key":"${b64('nothing')}"}` },
  { path: '/v3/kv/range', body: `{"key":"${b64('foo')}","bogus":[1,2,{"x":null}]}` },
  { path: '/v3/kv/range', body: '' },
  { path: '/v3/kv/range', body: 'notjson' },
  { path: '/v3/kv/range', body: '{"key":"Zm9v"' },
  { path: '/v3/kv/range', body: '[1]' },
  { path: '/v3/kv/range', body: '{"key":5}' },
  { path: '/v3/kv/range', body: '{"key":"!!"}' },
  { path: '/v3/kv/range', body: '{"key":"Zm9v","limit":true}' },
  { path: '/v3/kv/range', body: '{"key":"Zm9v","limit":"abc"}' },
  { path: '/v3/kv/range', body: '{"key":"Zm9v","limit":1e2}' },
  { path: '/v3/kv/range', body: '{"key":"Zm9v","sort_order":"BAD"}' },
  { path: '/v3/kv/range', body: '{"key":"Zm9v","sort_order":1.5}' },
  { path: '/v3/kv/range', body: '{"key":"Zm9v","serializable":true}' },
  { path: '/v3/kv/put', body: `{"key":"","value":"${b64('x')}"}` },
  // Past the gRPC receive limit (1.5 MiB + 512 KiB): refused before the member sees it.
  { path: '/v3/kv/put', body: `{"key":"${b64('big')}","value":"${b64('x'.repeat(2.5 * 1024 * 1024))}"}` },
  // Under it but past --max-request-bytes: refused by the member.
  { path: '/v3/kv/put', body: `{"key":"${b64('big')}","value":"${b64('x'.repeat(1.7 * 1024 * 1024))}"}` },
  {
    path: '/v3/kv/txn',
    body: JSON.stringify({
      compare: [{ key: b64('foo'), version: 0, target: 'VERSION', result: 'EQUAL' }],
      success: [{ request_put: { key: b64('foo'), value: b64('t') } }],
      failure: [{ requestRange: { key: b64('foo') } }, { request_delete_range: { key: b64('x') } }, { request_put: { key: b64('t'), value: '' } }],
    }),
  },
  {
    path: '/v3/kv/txn',
    body: JSON.stringify({ compare: [{ key: b64('foo'), mod_revision: '3', target: 'MOD', result: 'LESS' }], success: [{ request_txn: { success: [{ request_range: { key: b64('t') } }] } }] }),
  },
  { path: '/v3/kv/deleterange', body: `{"key":"${b64('foo2')}","prev_kv":true}` },
  { path: '/v3/kv/deleterange', body: `{"key":"${b64('nothing')}"}` },
  { path: '/v3/kv/compaction', body: '{"revision":"3"}' },
  { path: '/v3/kv/range', body: `{"key":"${b64('foo')}","revision":2}` },
  { path: '/v3/kv/compaction', body: '{"revision":2}' },
];

const LEASE_STEPS: Step[] = [
  { path: '/v3/lease/grant', body: '{"TTL":60,"ID":100}' },
  { path: '/v3/lease/grant', body: '{"TTL":"60","ID":"100"}' },
  { path: '/v3/kv/put', body: `{"key":"${b64('leased')}","value":"${b64('v')}","lease":"100"}` },
  { path: '/v3/lease/timetolive', body: '{"ID":100,"keys":true}', mask: maskTtl },
  { path: '/v3/kv/lease/timetolive', body: '{"ID":100}', mask: maskTtl },
  { path: '/v3/lease/timetolive', body: '{"ID":101}' },
  { path: '/v3/lease/leases', body: '{}' },
  { path: '/v3/kv/lease/leases', body: '' },
  { path: '/v3/lease/keepalive', body: '{"ID":100}\n{"ID":"101"}', lines: 2, mask: maskTtl },
  { path: '/v3/lease/keepalive', body: '', lines: 0 },
  { path: '/v3/lease/keepalive', body: 'garbage', lines: 0 },
  { path: '/v3/lease/revoke', body: '{"ID":101}' },
  { path: '/v3/kv/lease/revoke', body: '{"ID":100}' },
  { path: '/v3/kv/range', body: `{"key":"${b64('leased')}"}` },
  { path: '/v3/lease/grant', body: '{"TTL":60,"ID":"-1"}' },
];

const WATCH_STEPS: Step[] = [
  {
    path: '/v3/watch',
    body: `{"create_request":{"key":"${b64('w')}","range_end":"${b64('x')}","prev_kv":true}}`,
    lines: 4,
    during: [
      { path: '/v3/kv/put', body: `{"key":"${b64('w1')}","value":"${b64('1')}"}` },
      { path: '/v3/kv/put', body: `{"key":"${b64('w1')}","value":"${b64('2')}"}` },
      { path: '/v3/kv/deleterange', body: `{"key":"${b64('w1')}"}` },
    ],
  },
  { path: '/v3/watch', body: `{"create_request":{"key":"${b64('foo')}","start_revision":"1"}}`, lines: 2 },
  { path: '/v3/watch', body: `{"create_request":{"key":"${b64('w')}","start_revision":"5","filters":["NOPUT"]}}`, lines: 2 },
  { path: '/v3/watch', body: '{"progress_request":{}}', lines: 1 },
  { path: '/v3/watch', body: 'garbage', lines: 0 },
];

const OTHER_STEPS: Step[] = [
  { path: '/v3/cluster/member/list', body: '{}' },
  { path: '/v3/cluster/member/remove', body: '{"ID":5}' },
  { path: '/v3/cluster/member/update', body: '{"ID":5,"peerURLs":["http://127.0.0.1:1"]}' },
  { path: '/v3/cluster/member/promote', body: '{"ID":5}' },
  { path: '/v3/cluster/member/add', body: '{"peerURLs":["<PEER>"]}' },
  { path: '/v3/cluster/member/add', body: '{"peerURLs":["not a url"]}' },
  { path: '/v3/maintenance/status', body: '{}', mask: maskStatus },
  { path: '/v3/maintenance/alarm', body: '{}' },
  { path: '/v3/maintenance/alarm', body: '{"action":"GET","alarm":"NONE"}' },
  { path: '/v3/maintenance/hash', body: '{}', mask: maskHash },
  { path: '/v3/maintenance/hashkv', body: '{}' },
  { path: '/v3/maintenance/defragment', body: '{}' },
  { path: '/v3/maintenance/transfer-leadership', body: '{"targetID":5}' },
  { path: '/v3/maintenance/snapshot', body: '{}', lines: 1000, mask: maskSnapshot },
  { path: '/v3/maintenance/snapshot', body: 'garbage', lines: 1000 },
  { path: '/v3/kv/nothing', body: '{}' },
  { path: '/v3/kv/range', body: '{}', method: 'GET' },
  { path: '/v3/kv/range', body: '{}', method: 'PUT' },
  { path: '/v3alpha/kv/range', body: '{}' },
  { path: '/v3/cluster/member/add', body: '{"peerURLs":["http://127.0.0.1:1"],"isLearner":true}', mask: maskNewMember },
  { path: '/v3/cluster/member/list', body: '{}', mask: maskNewMember },
];

const leader = `{"name":"${b64('el')}","key":"${b64('el/1f4')}","rev":"{REV}","lease":"500"}`;
/** Lock and election with a lease of known id (500 = 0x1f4), so their keys are the same in both. */
const LOCK_ELECTION_STEPS: Step[] = [
  { path: '/v3/lease/grant', body: '{"TTL":60,"ID":500}' },
  { path: '/v3/lock/lock', body: `{"name":"${b64('lk')}","lease":"500"}` },
  { path: '/v3/lock/unlock', body: `{"key":"${b64('lk/1f4')}"}` },
  { path: '/v3/lock/unlock', body: `{"key":"${b64('nothing')}"}` },
  { path: '/v3/election/leader', body: `{"name":"${b64('el')}"}` },
  { path: '/v3/election/campaign', body: `{"name":"${b64('el')}","lease":"500","value":"${b64('v1')}"}`, capture: /"rev":"(\d+)"/ },
  { path: '/v3/election/leader', body: `{"name":"${b64('el')}"}` },
  { path: '/v3/election/proclaim', body: `{"leader":${leader},"value":"${b64('v2')}"}` },
  { path: '/v3/election/observe', body: `{"name":"${b64('el')}"}`, lines: 1 },
  { path: '/v3/election/proclaim', body: `{"leader":{"name":"${b64('el')}","key":"${b64('el/1')}","rev":"1","lease":"500"},"value":"${b64('v3')}"}` },
  { path: '/v3/election/resign', body: `{"leader":${leader}}` },
  { path: '/v3/election/leader', body: `{"name":"${b64('el')}"}` },
  { path: '/v3/lease/revoke', body: '{"ID":500}' },
];

/** Auth with auth disabled: user and role management, and what needs auth enabled. */
const AUTH_STEPS: Step[] = [
  { path: '/v3/auth/user/list', body: '{}' },
  { path: '/v3/auth/user/add', body: '{"name":"u1","password":"p1"}' },
  { path: '/v3/auth/user/add', body: '{"name":"u1","password":"p1"}' },
  { path: '/v3/auth/role/add', body: '{"name":"r1"}' },
  { path: '/v3/auth/role/grant', body: `{"name":"r1","perm":{"permType":"READWRITE","key":"${b64('a')}","range_end":"${b64('b')}"}}` },
  { path: '/v3/auth/role/get', body: '{"role":"r1"}' },
  { path: '/v3/auth/user/grant', body: '{"user":"u1","role":"r1"}' },
  { path: '/v3/auth/user/get', body: '{"name":"u1"}' },
  { path: '/v3/auth/role/get', body: '{"role":"nobody"}' },
  { path: '/v3/auth/role/list', body: '{}' },
  { path: '/v3/auth/authenticate', body: '{"name":"u1","password":"p1"}' },
  { path: '/v3/auth/user/delete', body: '{"name":"u1"}' },
  { path: '/v3/auth/role/delete', body: '{"role":"r1"}' },
];

/** Simple tokens are random: each member's own is captured and used, and masked in the answer. */
const maskToken = (s: string): string => s.replace(/"token":"[^"]*"/, '"token":"<TOKEN>"');
const as = (who: string): Readonly<Record<string, string>> => ({ authorization: `{${who}}` });

/**
 * With auth on, the lock and election services act as the caller's user (etcd serves them
 * through an in-process client carrying the caller's token): no token, a user without
 * permission on the name, and one with it. Last, since it turns auth on.
 */
const AUTH_ON_STEPS: Step[] = [
  { path: '/v3/auth/user/add', body: '{"name":"root","password":"rpw"}' },
  { path: '/v3/auth/role/add', body: '{"name":"root"}' },
  { path: '/v3/auth/user/grant', body: '{"user":"root","role":"root"}' },
  { path: '/v3/auth/user/add', body: '{"name":"bob","password":"bpw"}' },
  { path: '/v3/auth/role/add', body: '{"name":"lk2"}' },
  { path: '/v3/auth/role/grant', body: `{"name":"lk2","perm":{"permType":"READWRITE","key":"${b64('lk2')}","range_end":"${b64('lk3')}"}}` },
  { path: '/v3/auth/user/grant', body: '{"user":"bob","role":"lk2"}' },
  { path: '/v3/lease/grant', body: '{"ID":700,"TTL":60}' },
  { path: '/v3/lease/grant', body: '{"ID":701,"TTL":60}' },
  { path: '/v3/auth/enable', body: '{}' },
  { path: '/v3/auth/authenticate', body: '{"name":"root","password":"rpw"}', capture: /"token":"([^"]+)"/, captureAs: 'ROOT', mask: maskToken },
  { path: '/v3/auth/authenticate', body: '{"name":"bob","password":"bpw"}', capture: /"token":"([^"]+)"/, captureAs: 'BOB', mask: maskToken },
  { path: '/v3/lock/lock', body: `{"name":"${b64('lk2')}","lease":"701"}` },
  { path: '/v3/lock/lock', body: `{"name":"${b64('xx')}","lease":"701"}`, headers: as('BOB') },
  { path: '/v3/lock/lock', body: `{"name":"${b64('lk2')}","lease":"701"}`, headers: as('BOB') },
  { path: '/v3/lock/unlock', body: `{"key":"${b64('xx/2bd')}"}`, headers: as('BOB') },
  { path: '/v3/lock/unlock', body: `{"key":"${b64('lk2/2bd')}"}`, headers: as('BOB') },
  { path: '/v3/election/campaign', body: `{"name":"${b64('xx')}","lease":"701","value":"${b64('v')}"}`, headers: as('BOB') },
  { path: '/v3/election/campaign', body: `{"name":"${b64('lk2e')}","lease":"701","value":"${b64('v')}"}`, headers: as('BOB') },
  { path: '/v3/election/leader', body: `{"name":"${b64('xx')}"}`, headers: as('BOB') },
  { path: '/v3/election/leader', body: `{"name":"${b64('lk2e')}"}`, headers: as('BOB') },
  { path: '/v3/lock/lock', body: `{"name":"${b64('xx')}","lease":"700"}`, headers: as('ROOT') },
  { path: '/v3/auth/disable', body: '{}', headers: as('BOB') },
  { path: '/v3/auth/disable', body: '{}', headers: as('ROOT') },
];

const STEPS: Step[] = [...KV_STEPS, ...LEASE_STEPS, ...WATCH_STEPS, ...LOCK_ELECTION_STEPS, ...AUTH_STEPS, ...OTHER_STEPS, ...AUTH_ON_STEPS];

/** Replaces what differs between any two members: their ids, ports, the raft term. */
class Normaliser {
  private readonly subs: [string, string][] = [];

  constructor(readonly member: MemberProcess) {}

  learn(body: string): void {
    const h = /"cluster_id":"(\d+)","member_id":"(\d+)"/.exec(body);
    if (h === null || this.subs.length > 0) return;
    this.subs.push([`"${h[1] ?? ''}"`, '"<CLUSTER>"'], [`"${h[2] ?? ''}"`, '"<MEMBER>"']);
  }

  apply(s: string): string {
    let out = s;
    for (const [from, to] of this.subs) out = out.split(from).join(to);
    return out.replace(/"raft_term":"\d+"/g, '"raft_term":"<TERM>"').replace(/http:\/\/127\.0\.0\.1:\d+/g, '<URL>');
  }
}

/** One request; a stream reads `lines` lines (or to its end), running `during` after the first. */
function send(m: MemberProcess, step: Step, peerUrl: string, run: (s: Step) => Promise<Outcome>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const body = step.body.replace('<PEER>', peerUrl);
    const req = http.request(`${m.clientUrl}${step.path}`, { method: step.method ?? 'POST', headers: { ...step.headers, 'content-length': Buffer.byteLength(body) } });
    req.once('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
    // A step that never completes is reported with what it got, rather than hanging the test.
    const deadline = setTimeout(() => {
      req.destroy();
      resolve({ status: -1, body: 'step did not complete within 15 s' });
    }, 15_000);
    req.once('response', (res) => {
      let body = '';
      let started = false;
      const finish = (): void => {
        clearTimeout(deadline);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        const n = body.split('\n').length - 1;
        if (step.lines !== undefined && n >= 1 && !started && step.during !== undefined) {
          started = true;
          void (async () => {
            for (const d of step.during ?? []) await run(d);
          })();
        }
        if (step.lines !== undefined && n >= step.lines) finish();
      });
      res.once('end', finish);
      res.once('error', reject);
    });
    req.end(body);
  });
}

async function runSteps(kind: MemberKind, members: MemberProcess[]): Promise<Outcome[]> {
  const m = await MemberProcess.start(kind, { name: 'm1' });
  members.push(m);
  const norm = new Normaliser(m);
  const peerUrl = JSON.parse((await send(m, { path: '/v3/cluster/member/list', body: '{}' }, '', async () => ({ status: 0, body: '' }))).body).members[0].peerURLs[0] as string;
  const vars = new Map<string, string>();
  const run = async (step: Step): Promise<Outcome> => {
    const fill = (text: string): string => text.replace(/\{(\w+)\}/g, (all, v: string) => vars.get(v) ?? all);
    const headers = step.headers === undefined ? undefined : Object.fromEntries(Object.entries(step.headers).map(([k, v]) => [k, fill(v)]));
    const r = await send(m, { ...step, body: fill(step.body), ...(headers === undefined ? {} : { headers }) }, peerUrl, run);
    const got = step.capture?.exec(r.body)?.[1];
    if (got !== undefined) vars.set(step.captureAs ?? 'REV', got);
    norm.learn(r.body);
    const mask = step.mask ?? ((s: string) => s);
    return { status: r.status, body: mask(norm.apply(r.body)) };
  };
  const out: Outcome[] = [];
  for (const step of STEPS) {
    out.push(await run(step));
    if (process.env['CAIRN_E2E_TRACE'] !== undefined) process.stderr.write(`${kind} ${step.path} ${JSON.stringify(out.at(-1))}\n`);
  }
  await m.stop();
  return out;
}

describe('gateway: the same HTTP requests against etcd 3.4.23 and Cairn', () => {
  const members: MemberProcess[] = [];
  after(async () => {
    for (const m of members) await m.destroy();
  });

  test('every step gives the same status and body', { timeout: 300_000 }, async () => {
    const [etcd, cairn] = await Promise.all([runSteps('etcd', members), runSteps('cairn', members)]);
    const mismatches: string[] = [];
    STEPS.forEach((step, i) => {
      const e = etcd[i];
      const c = cairn[i];
      if (e === undefined || c === undefined) return;
      if (e.status !== c.status || e.body !== c.body) {
        mismatches.push(`${step.method ?? 'POST'} ${step.path} ${step.body.slice(0, 300)}\n  etcd : ${e.status} ${JSON.stringify(e.body)}\n  cairn: ${c.status} ${JSON.stringify(c.body)}`);
      }
    });
    assert.equal(mismatches.length, 0, `${mismatches.length} of ${STEPS.length} steps differ:\n\n${mismatches.join('\n\n')}`);
  });
});
