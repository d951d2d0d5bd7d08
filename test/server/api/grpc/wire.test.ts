import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutgoingHttpHeaders } from 'node:http2';
import fc from 'fast-check';
import {
  decodeGrpcMessage, encodeGrpcMessage, GrpcError, Metadata, parseGrpcTimeout, Status,
} from '../../../../server/src/api/grpc/index.js';
import { MessageReader } from '../../../../server/src/api/grpc/message-reader.js';
import { framed } from './helpers.js';

describe('grpc wire helpers', () => {
  test('grpc-message percent-encoding: ASCII untouched, the rest as UTF-8 %XX, round trip', () => {
    assert.equal(encodeGrpcMessage('etcdserver: key not found'), 'etcdserver: key not found');
    assert.equal(encodeGrpcMessage('50%'), '50%25');
    assert.equal(encodeGrpcMessage('é\n'), '%C3%A9%0A');
    assert.equal(decodeGrpcMessage('%C3%A9%0A and %zz'), 'é\n and %zz');
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      const wellFormed = Buffer.from(s, 'utf8').toString('utf8');
      const enc = encodeGrpcMessage(wellFormed);
      assert.match(enc, /^[\x20-\x7e]*$/);
      assert.equal(decodeGrpcMessage(enc), wellFormed);
    }), { numRuns: 300 });
  });

  test('grpc-timeout: every unit, and malformed values', () => {
    assert.equal(parseGrpcTimeout('2H'), 7_200_000);
    assert.equal(parseGrpcTimeout('3M'), 180_000);
    assert.equal(parseGrpcTimeout('5S'), 5000);
    assert.equal(parseGrpcTimeout('250m'), 250);
    assert.equal(parseGrpcTimeout('1500u'), 1.5);
    assert.equal(parseGrpcTimeout('2000000n'), 2);
    for (const bad of ['', 'S', '10', '10s', '123456789S', '-1S', '1.5S']) {
      assert.throws(() => parseGrpcTimeout(bad), (e: unknown) => e instanceof GrpcError && e.code === Status.INTERNAL, bad);
    }
  });

  test('message reader: any split of the body gives back the same messages', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
      (messages, cuts) => {
        const body = Buffer.concat(messages.map((m) => framed(Buffer.from(m))));
        const reader = new MessageReader(1000);
        const out: Buffer[] = [];
        let off = 0;
        for (let i = 0; off < body.length; i++) {
          const n = cuts[i % cuts.length] as number;
          reader.push(body.subarray(off, off + n), { onMessage: (m) => out.push(Buffer.from(m)) });
          off += n;
        }
        assert.deepEqual(out, messages.map((m) => Buffer.from(m)));
        assert.equal(reader.partial, false);
      },
    ));
  });

  test('message reader: a declared length over the limit fails before the body arrives', () => {
    const reader = new MessageReader(10);
    const prefix = Buffer.from([0, 0, 0, 0, 11]);
    assert.throws(() => reader.push(prefix, { onMessage: () => assert.fail('no message') }), (e: unknown) => e instanceof GrpcError
      && e.code === Status.RESOURCE_EXHAUSTED && e.message === 'grpc: received message larger than max (11 vs. 10)');
    const split = new MessageReader(10);
    split.push(Buffer.from([0, 0, 0]), { onMessage: () => {} });
    assert.equal(split.partial, true);
    assert.throws(() => split.push(Buffer.from([0, 0x20]), { onMessage: () => {} }), /larger than max \(32 vs\. 10\)/);
  });

  test('metadata: keys lower-cased, -bin only with Buffers, headers round trip', () => {
    const md = new Metadata().set('Token', 'x').add('k', 'a').add('k', 'b').set('d-bin', Buffer.from([1, 2]));
    assert.equal(md.get('token'), 'x');
    assert.deepEqual(md.getAll('K'), ['a', 'b']);
    assert.throws(() => md.set('a-bin', 'text'), TypeError);
    assert.throws(() => md.set('plain', Buffer.from([1])), TypeError);
    assert.throws(() => md.set('bad key', 'v'), TypeError);
    const headers: OutgoingHttpHeaders = {};
    md.copyInto(headers);
    assert.deepEqual(headers, { token: 'x', k: ['a', 'b'], 'd-bin': 'AQI=' });
    const back = Metadata.fromHeaders({ ':path': '/x', 'content-type': 'application/grpc', token: 'x', 'd-bin': 'AQI=, AwQ=' });
    assert.deepEqual(back.keys(), ['token', 'd-bin']);
    assert.deepEqual(back.getAll('d-bin'), [Buffer.from([1, 2]), Buffer.from([3, 4])]);
  });
});
