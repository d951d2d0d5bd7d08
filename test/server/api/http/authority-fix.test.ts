import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixFirstAuthority } from '../../../../server/src/api/http/authority-fix.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const frame = (type: number, flags: number, payload: Buffer): Buffer => {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(type === 1 ? 1 : 0, 5);
  return Buffer.concat([h, payload]);
};
const settings = frame(4, 0, Buffer.alloc(0));
/** :method POST (indexed 3), :authority as a literal with incremental indexing, name index 1. */
const block = (authority: Buffer, huffman: boolean): Buffer => Buffer.concat([Buffer.from([0x83, 0x41, (huffman ? 0x80 : 0) | authority.length]), authority, Buffer.from([0x86])]);
// "http://127.0.0.1:23805" as grpc-go's HPACK encoder sends it (Huffman-coded), captured from etcdctl.
const HUFFMAN_HTTP = Buffer.from('9d29aee30c044eae05c0b86e099780df', 'hex');
// "httpB--127.0.0.1:23805", Huffman-coded by node's own HTTP/2 client: the same length, other letters.
const HUFFMAN_FIXED = Buffer.from('9d29aeeacb044eae05c0b86e099780df', 'hex');

describe(':authority with a scheme, fixed before the HTTP/2 server sees it', () => {
  test('a Huffman-coded http:// value is rewritten in place, bit for bit the same length', () => {
    const buf = Buffer.concat([PREFACE, settings, frame(1, 0x4, block(Buffer.from(HUFFMAN_HTTP), true))]);
    assert.equal(fixFirstAuthority(buf), 'done');
    assert.ok(buf.includes(HUFFMAN_FIXED), buf.toString('hex'));
  });

  test('a raw value: http:// and https:// keep their length; others are left alone', () => {
    for (const [value, want] of [['http://10.0.0.1:2379', 'httpB--10.0.0.1:2379'], ['https://h:1', 'httpsB--h:1'], ['127.0.0.1:2379', '127.0.0.1:2379']]) {
      const buf = Buffer.concat([PREFACE, settings, frame(1, 0x4, block(Buffer.from(value as string), false))]);
      assert.equal(fixFirstAuthority(buf), 'done');
      assert.ok(buf.includes(Buffer.from(want as string)), `${value} → ${buf.toString('latin1')}`);
    }
  });

  test('incomplete until the first HEADERS frame has arrived whole; padding and priority are skipped', () => {
    const full = Buffer.concat([PREFACE, settings, frame(1, 0x4 | 0x8 | 0x20, Buffer.concat([Buffer.from([2]), Buffer.alloc(5), block(Buffer.from('http://x:1'), false), Buffer.alloc(2)]))]);
    assert.equal(fixFirstAuthority(full.subarray(0, full.length - 3)), 'incomplete');
    assert.equal(fixFirstAuthority(full), 'done');
    assert.ok(full.includes(Buffer.from('httpB--x:1')));
  });

  test('a header block continued in CONTINUATION frames is left as it is', () => {
    const buf = Buffer.concat([PREFACE, frame(1, 0, block(Buffer.from('http://x:1'), false))]);
    assert.equal(fixFirstAuthority(buf), 'done');
    assert.ok(buf.includes(Buffer.from('http://x:1')));
  });
});
