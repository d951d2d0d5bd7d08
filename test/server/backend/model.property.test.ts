import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Backend, Bucket, type BucketName, type ReadView } from '../../../server/src/backend/index.js';
import { tempDb } from './helpers.js';

/** The model: per bucket a plain map, read back as a sorted array. */
type Model = Map<BucketName, Map<string, string>>;

function modelRange(m: Model, bucket: BucketName, start: Buffer, end: Buffer | undefined, limit: number): string[] {
  const rows = [...(m.get(bucket) ?? new Map<string, string>()).entries()]
    .map(([k, v]) => [Buffer.from(k, 'hex'), v] as const)
    .filter(([k]) => Buffer.compare(k, start) >= 0 && (end === undefined || Buffer.compare(k, end) < 0))
    .sort((a, b) => Buffer.compare(a[0], b[0]))
    .map(([k, v]) => `${k.toString('hex')}=${v}`);
  return limit > 0 ? rows.slice(0, limit) : rows;
}

function cloneModel(m: Model): Model {
  return new Map([...m].map(([b, kv]) => [b, new Map(kv)]));
}

const buckets: BucketName[] = [Bucket.key, Bucket.meta, Bucket.lease];
// Short keys over a tiny alphabet with the edge bytes, so keys collide and share prefixes.
const keyArb = fc.uint8Array({ minLength: 1, maxLength: 3 }).map((a) => Buffer.from(a.map((x) => [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff][x % 6] ?? 0)));
const bucketArb = fc.constantFrom(...buckets);
const boundArb = fc.option(keyArb, { nil: undefined });

const cmdArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('put' as const), bucket: bucketArb, key: keyArb, value: fc.uint8Array({ maxLength: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('del' as const), bucket: bucketArb, key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('commit' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('view' as const) }) },
  // a commit left running while later commands read and write, and a turn of the event loop
  // that lets it progress: reads then meet the layer being committed
  { weight: 1, arbitrary: fc.record({ t: fc.constant('commitAsync' as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('tick' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('range' as const), bucket: bucketArb, start: boundArb, end: boundArb, limit: fc.nat(4) }),
  },
);

describe('backend against a sorted-array model', () => {
  test('random puts, deletes, commits and ranges always read what the model holds; views stay frozen', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { maxLength: 60 }), async (cmds) => {
        const t = tempDb();
        const b = Backend.open(t.path, { batchIntervalMs: 3_600_000, batchLimit: 1e9 });
        const model: Model = new Map(buckets.map((x) => [x, new Map<string, string>()]));
        const views: { view: ReadView; model: Model }[] = [];
        const inFlight: Promise<void>[] = [];
        try {
          for (const c of cmds) {
            switch (c.t) {
              case 'put': {
                const v = Buffer.from(c.value);
                b.put(c.bucket, c.key, v);
                model.get(c.bucket)?.set(c.key.toString('hex'), v.toString('hex'));
                break;
              }
              case 'del':
                b.delete(c.bucket, c.key);
                model.get(c.bucket)?.delete(c.key.toString('hex'));
                break;
              case 'commit':
                await b.commit();
                break;
              case 'commitAsync':
                inFlight.push(b.commit());
                break;
              case 'tick':
                await new Promise((r) => setImmediate(r));
                break;
              case 'view':
                views.push({ view: b.readView(), model: cloneModel(model) });
                break;
              case 'range': {
                const start = c.start ?? Buffer.alloc(0);
                const got = b.range(c.bucket, start, c.end, c.limit).map(([k, v]) => `${k.toString('hex')}=${v.toString('hex')}`);
                assert.deepEqual(got, modelRange(model, c.bucket, start, c.end, c.limit));
                assert.equal(b.count(c.bucket, start, c.end), modelRange(model, c.bucket, start, c.end, 0).length);
                break;
              }
            }
          }
          await Promise.all(inFlight);
          for (const bucket of buckets) {
            assert.deepEqual(
              b.range(bucket, Buffer.alloc(0)).map(([k, v]) => `${k.toString('hex')}=${v.toString('hex')}`),
              modelRange(model, bucket, Buffer.alloc(0), undefined, 0),
            );
            for (const [k, v] of model.get(bucket) ?? []) assert.equal(b.get(bucket, Buffer.from(k, 'hex'))?.toString('hex'), v);
          }
          for (const { view, model: frozen } of views) {
            for (const bucket of buckets) {
              const got = view.range(bucket, Buffer.alloc(0)).map(([k, v]) => `${k.toString('hex')}=${v.toString('hex')}`);
              assert.deepEqual(got, modelRange(frozen, bucket, Buffer.alloc(0), undefined, 0));
              assert.equal(view.count(bucket), got.length);
            }
            view.release();
          }
        } finally {
          await Promise.allSettled(inFlight);
          for (const { view } of views) view.release();
          await b.close();
          t.cleanup();
        }
      }),
      { numRuns: 60 },
    );
  });
});
