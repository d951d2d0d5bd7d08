import type { WatchEvent } from '../mvcc/index.js';
import { etcdserverpb as pb, mvccpb } from '../pb/index.js';
import { kvToPb } from './convert.js';

/**
 * A watch response on its way out: every field but the events as the protobuf object, and the
 * events as the store produced them. The store hands the same event object to every watcher it
 * matches, so each event is encoded once (cached by identity) however many watchers receive it:
 * with a thousand watchers on a key, a put costs one event encoding, not a thousand.
 */
export interface WatchOut {
  readonly res: pb.IWatchResponse;
  readonly events: readonly WatchEvent[];
}

/** WatchResponse.events is field 11, length-delimited: tag (11 << 3) | 2. */
const EVENTS_TAG = 0x5a;

const encoded = new WeakMap<WatchEvent, Uint8Array>();

/** The mvccpb.Event bytes of an event, encoded at most once. */
export function eventBytes(e: WatchEvent): Uint8Array {
  let b = encoded.get(e);
  if (b === undefined) {
    b = mvccpb.Event.encode({
      type: e.type === 'put' ? null : mvccpb.Event.EventType.DELETE,
      kv: kvToPb(e.kv),
      prevKv: e.prevKv === undefined ? null : kvToPb(e.prevKv),
    }).finish();
    encoded.set(e, b);
  }
  return b;
}

function varintBytes(n: number): number {
  let bytes = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 128)) bytes++;
  return bytes;
}

/** Bytes an event takes inside a WatchResponse: tag, length, payload. */
export function eventFieldBytes(e: WatchEvent): number {
  const len = eventBytes(e).byteLength;
  return 1 + varintBytes(len) + len;
}

/**
 * Encodes a WatchResponse: the other fields through protobufjs, then each event as field 11
 * (protobuf allows a message's fields in any order; decoders see the same message as if
 * protobufjs had encoded the events itself).
 */
export function encodeWatchOut(out: WatchOut): Uint8Array {
  const head = headOf(out.res);
  if (out.events.length === 0) return head;
  let size = head.byteLength;
  for (const e of out.events) size += eventFieldBytes(e);
  const buf = Buffer.allocUnsafe(size);
  buf.set(head, 0);
  let at = head.byteLength;
  for (const e of out.events) {
    const b = eventBytes(e);
    buf[at++] = EVENTS_TAG;
    at = putVarint(buf, at, b.byteLength);
    buf.set(b, at);
    at += b.byteLength;
  }
  return buf;
}

const encodedHeaders = new WeakMap<pb.IResponseHeader, Uint8Array>();

/**
 * The response's fields other than events. The common response (a header shared by many, a
 * small watch id, nothing else) is written by hand around the header's cached encoding; any
 * other goes through protobufjs. Both give the bytes protobufjs gives.
 */
function headOf(res: pb.IWatchResponse): Uint8Array {
  const id = res.watchId;
  // Exactly the responses where protobufjs would write only these two fields.
  const plain =
    res.header != null && (id == null || (typeof id === 'number' && id >= 0 && id < 0x80000000)) &&
    res.created == null && res.canceled == null && res.fragment == null && res.compactRevision == null && res.cancelReason == null;
  if (!plain) return pb.WatchResponse.encode(res).finish();
  const header = res.header as pb.IResponseHeader;
  let hb = encodedHeaders.get(header);
  if (hb === undefined) {
    hb = pb.ResponseHeader.encode(header).finish();
    encodedHeaders.set(header, hb);
  }
  const watchId = id as number | null | undefined;
  const buf = Buffer.allocUnsafe(1 + varintBytes(hb.byteLength) + hb.byteLength + (watchId == null ? 0 : 1 + varintBytes(watchId)));
  let at = 0;
  buf[at++] = 0x0a; // field 1 (header), length-delimited
  at = putVarint(buf, at, hb.byteLength);
  buf.set(hb, at);
  at += hb.byteLength;
  if (watchId != null) {
    buf[at++] = 0x10; // field 2 (watch_id), varint
    at = putVarint(buf, at, watchId);
  }
  return buf;
}

function putVarint(buf: Buffer, at: number, n: number): number {
  let v = n;
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[at++] = v;
  return at;
}
