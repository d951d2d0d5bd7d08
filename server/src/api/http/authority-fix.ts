/**
 * etcdctl's `endpoint status` (grpc-go with a passthrough target) sends the endpoint, scheme and
 * all, as the HTTP/2 `:authority` ("http://127.0.0.1:2379"). etcd's Go server accepts that;
 * Node's HTTP/2 layer (nghttp2) refuses the stream as malformed, since '/' may not appear in an
 * authority. Before a connection is handed to the HTTP/2 server, its first HEADERS frame is
 * read here and such a value's scheme is replaced in place by characters an authority may hold,
 * of exactly the same encoded length ("http://" → "httpB--"), so that the HPACK dynamic table of
 * both sides stays the same size; later requests on the connection refer to that entry by index.
 * Cairn never reads :authority, so the changed value means nothing to it.
 */

const PREFACE_BYTES = 24;
const FRAME_HEADER_BYTES = 9;
const HEADERS = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** Static table index of :authority (RFC 7541, Appendix A). */
const AUTHORITY_INDEX = 1;

/** Each scheme as sent, what replaces it, and both as HPACK Huffman bit strings (RFC 7541, Appendix B). */
const SCHEMES = [
  // h t t p s : / /  →  h t t p s B - -
  { raw: 'https://', with: 'httpsB--', bits: '100111' + '01001' + '01001' + '101011' + '01000' + '1011100' + '011000' + '011000', to: '100111' + '01001' + '01001' + '101011' + '01000' + '1011101' + '010110' + '010110' },
  // h t t p : / /  →  h t t p B - -
  { raw: 'http://', with: 'httpB--', bits: '100111' + '01001' + '01001' + '101011' + '1011100' + '011000' + '011000', to: '100111' + '01001' + '01001' + '101011' + '1011101' + '010110' + '010110' },
];

export type AuthorityFix = 'incomplete' | 'done';

/**
 * Looks for the first HEADERS frame after the connection preface in `buf` and fixes its
 * :authority in place. 'incomplete' means the frame has not fully arrived yet; 'done' that
 * there is nothing more to do (fixed, nothing to fix, or a frame this does not handle).
 */
export function fixFirstAuthority(buf: Buffer): AuthorityFix {
  let at = PREFACE_BYTES;
  for (;;) {
    if (buf.length < at + FRAME_HEADER_BYTES) return 'incomplete';
    const len = buf.readUIntBE(at, 3);
    const type = buf[at + 3] as number;
    const flags = buf[at + 4] as number;
    const start = at + FRAME_HEADER_BYTES;
    if (buf.length < start + len) return 'incomplete';
    if (type === HEADERS) {
      // A header block continued in CONTINUATION frames is left as it is (grpc-go's fit in one).
      if ((flags & FLAG_END_HEADERS) === 0) return 'done';
      let from = start;
      let end = start + len;
      if ((flags & FLAG_PADDED) !== 0) {
        end -= buf[from] as number;
        from += 1;
      }
      if ((flags & FLAG_PRIORITY) !== 0) from += 5;
      if (from <= end) fixBlock(buf, from, end);
      return 'done';
    }
    at = start + len;
  }
}

/** Walks one HPACK header block and fixes the :authority literal, if any. */
function fixBlock(buf: Buffer, from: number, end: number): void {
  let at = from;
  while (at < end) {
    const b = buf[at] as number;
    if ((b & 0x80) !== 0) {
      at = readInt(buf, at, 7, end).next; // indexed field
      continue;
    }
    if ((b & 0xe0) === 0x20) {
      at = readInt(buf, at, 5, end).next; // dynamic table size update
      continue;
    }
    const prefix = (b & 0xc0) === 0x40 ? 6 : 4; // literal with, or without / never, indexing
    const name = readInt(buf, at, prefix, end);
    at = name.next;
    let isAuthority = name.value === AUTHORITY_INDEX;
    if (name.value === 0) {
      const n = readString(buf, at, end);
      isAuthority = !n.huffman && buf.toString('latin1', n.start, n.end) === ':authority';
      at = n.end;
    }
    const v = readString(buf, at, end);
    if (isAuthority) fixValue(buf, v);
    at = v.end;
  }
}

function fixValue(buf: Buffer, v: { start: number; end: number; huffman: boolean }): void {
  for (const s of SCHEMES) {
    if (!v.huffman) {
      if (v.end - v.start >= s.raw.length && buf.toString('latin1', v.start, v.start + s.raw.length) === s.raw) {
        buf.write(s.with, v.start, 'latin1');
        return;
      }
      continue;
    }
    const bytes = Math.ceil(s.bits.length / 8);
    if (v.end - v.start < bytes) continue;
    let bits = '';
    for (let i = 0; i < bytes; i++) bits += (buf[v.start + i] as number).toString(2).padStart(8, '0');
    if (!bits.startsWith(s.bits)) continue;
    const next = s.to + bits.slice(s.to.length);
    for (let i = 0; i < bytes; i++) buf[v.start + i] = parseInt(next.slice(8 * i, 8 * i + 8), 2);
    return;
  }
}

/** An HPACK integer with an N-bit prefix (RFC 7541, 5.1). */
function readInt(buf: Buffer, at: number, prefixBits: number, end: number): { value: number; next: number } {
  const max = (1 << prefixBits) - 1;
  let value = (buf[at] as number) & max;
  let next = at + 1;
  if (value < max) return { value, next };
  for (let shift = 0; next < end && shift < 28; shift += 7) {
    const b = buf[next++] as number;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  return { value, next };
}

/** An HPACK string literal: where its bytes lie, and whether they are Huffman-coded. */
function readString(buf: Buffer, at: number, end: number): { start: number; end: number; huffman: boolean } {
  const huffman = ((buf[at] as number) & 0x80) !== 0;
  const len = readInt(buf, at, 7, end);
  return { start: len.next, end: Math.min(end, len.next + len.value), huffman };
}
