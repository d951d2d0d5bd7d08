import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FOREVER, LeaseNotFoundError, NotPrimaryError } from '../../../server/src/lease/index.js';
import { recordingDeleter, withLessor } from './helpers.js';

const MIN_TTL = 5;
const RETRY_MS = 3_000;

type Cmd =
  | { op: 'grant'; id: number; ttl: number }
  | { op: 'renew'; id: number }
  | { op: 'revoke'; id: number }
  | { op: 'advance'; ms: number }
  | { op: 'expired'; limit: number }
  | { op: 'promote'; extend: number }
  | { op: 'demote' };

const id = fc.integer({ min: 1, max: 8 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('grant' as const), id, ttl: fc.integer({ min: -1, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('renew' as const), id }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('revoke' as const), id }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 15_000 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('expired' as const), limit: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('promote' as const), extend: fc.integer({ min: 0, max: 3_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'demote' as const }) },
);

/**
 * The naive model: per lease its ttl, its expiry, and when it is next due to be looked at
 * (its expiry, or the end of the retry interval once handed out). Expired leases are the
 * due ones, in (due, id) order.
 */
class Model {
  now = 0;
  primary = false;
  readonly leases = new Map<bigint, { ttl: number; expiry: number; due: number }>();

  grant(id: bigint, ttl: number): void {
    const t = Math.max(ttl, MIN_TTL);
    const expiry = this.primary ? this.now + t * 1000 : FOREVER;
    this.leases.set(id, { ttl: t, expiry, due: expiry });
  }

  renew(id: bigint): number | 'not-primary' | 'not-found' {
    if (!this.primary) return 'not-primary';
    const l = this.leases.get(id);
    if (l === undefined || l.expiry <= this.now) return 'not-found';
    l.expiry = this.now + l.ttl * 1000;
    l.due = l.expiry;
    return l.ttl;
  }

  expired(limit: number): bigint[] {
    if (!this.primary) return [];
    const due = [...this.leases.entries()]
      .filter(([, l]) => l.due <= this.now)
      .sort(([ia, a], [ib, c]) => a.due - c.due || (ia < ib ? -1 : 1))
      .slice(0, limit);
    for (const [, l] of due) l.due = this.now + RETRY_MS;
    return due.map(([i]) => i);
  }

  promote(extend: number): void {
    this.primary = true;
    for (const l of this.leases.values()) {
      l.expiry = this.now + extend + l.ttl * 1000;
      l.due = l.expiry;
    }
  }

  demote(): void {
    this.primary = false;
    for (const l of this.leases.values()) {
      l.expiry = FOREVER;
      l.due = FOREVER;
    }
  }
}

function outcome(fn: () => number): number | 'not-primary' | 'not-found' {
  try {
    return fn();
  } catch (err) {
    if (err instanceof NotPrimaryError) return 'not-primary';
    if (err instanceof LeaseNotFoundError) return 'not-found';
    throw err;
  }
}

describe('lessor property', () => {
  test('grant/renew/revoke/advance/expire/promote/demote agree with a model of expiries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { maxLength: 60 }), (cmds) =>
        withLessor(
          (f) => {
            const model = new Model();
            model.now = f.clock.t;
            const l = f.lessor;
            const { deleter } = recordingDeleter();
            for (const c of cmds) {
              switch (c.op) {
                case 'grant': {
                  const exists = model.leases.has(BigInt(c.id));
                  if (exists) assert.throws(() => l.grant(BigInt(c.id), c.ttl));
                  else {
                    l.grant(BigInt(c.id), c.ttl);
                    model.grant(BigInt(c.id), c.ttl);
                  }
                  break;
                }
                case 'renew':
                  assert.equal(outcome(() => l.renew(BigInt(c.id))), model.renew(BigInt(c.id)), `renew ${c.id}`);
                  break;
                case 'revoke':
                  if (model.leases.delete(BigInt(c.id))) l.revoke(BigInt(c.id), deleter);
                  else assert.throws(() => l.revoke(BigInt(c.id), deleter), LeaseNotFoundError);
                  break;
                case 'advance':
                  f.clock.advance(c.ms);
                  model.now += c.ms;
                  break;
                case 'expired':
                  assert.deepEqual(l.expiredLeases(c.limit), model.expired(c.limit));
                  break;
                case 'promote':
                  l.promote(c.extend);
                  model.promote(c.extend);
                  break;
                case 'demote':
                  l.demote();
                  model.demote();
                  break;
              }
              const got = l.leases().map((x) => [x.id, x.ttl, x.expiry]);
              const want = [...model.leases.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([i, x]) => [i, x.ttl, x.expiry]);
              assert.deepEqual(got, want);
              for (const [i, x] of model.leases) {
                if (x.expiry !== FOREVER) assert.equal(l.timeToLive(i).ttl, Math.trunc((x.expiry - model.now) / 1000) + 0);
              }
            }
          },
          { minLeaseTTL: MIN_TTL, expiredLeasesRetryInterval: RETRY_MS },
        ),
      ),
      { numRuns: 150 },
    );
  });
});
