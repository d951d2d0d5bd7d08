import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FrameDecoder } from '../../../server/src/transport/frame-decoder.js';
import { FrameTooLargeError } from '../../../server/src/transport/errors.js';
import { encodeFrames, formatId, parseId } from '../../../server/src/transport/wire.js';

test('frames come out whole and in order however the bytes are split', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }),
      (payloads, cuts) => {
        const bytes = encodeFrames(payloads);
        const decoder = new FrameDecoder(1024);
        const out: Buffer[] = [];
        let at = 0;
        for (let i = 0; at < bytes.length; i++) {
          const n = cuts[i % cuts.length] as number;
          out.push(...decoder.push(bytes.subarray(at, at + n)));
          at += n;
        }
        assert.deepEqual(out.map((b) => b.toString('hex')), payloads.map((p) => Buffer.from(p).toString('hex')));
        assert.equal(decoder.drain().length, 0);
      },
    ),
  );
});

test('a frame longer than the limit is refused; bytes after a frame can be taken raw', () => {
  const decoder = new FrameDecoder(10);
  assert.throws(() => decoder.push(encodeFrames([Buffer.alloc(11)])), FrameTooLargeError);
  const d2 = new FrameDecoder(10);
  d2.append(Buffer.concat([encodeFrames([Buffer.from('head')]), Buffer.from('rest of body')]));
  assert.equal(d2.next()?.toString(), 'head');
  assert.equal(d2.drain().toString(), 'rest of body');
});

test('ids print as etcd prints them and parse back; bad headers are rejected', () => {
  assert.equal(formatId(0xfedcba9876543210n), 'fedcba9876543210');
  assert.equal(formatId(10n), 'a');
  assert.equal(parseId('FEDCBA9876543210'), 0xfedcba9876543210n);
  assert.equal(parseId('ffffffffffffffff'), 0xffffffffffffffffn);
  for (const bad of [undefined, '', '0x1', '1ffffffffffffffff', 'zz', ['a']]) assert.equal(parseId(bad), undefined);
});
