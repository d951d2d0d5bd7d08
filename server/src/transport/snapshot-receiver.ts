import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerHttp2Stream } from 'node:http2';
import { type Message, MessageType, decodeMessage } from '../raft/index.js';
import { errorMessage } from '../util/index.js';
import type { TransportContext } from './context.js';
import { SnapshotDigestError, TransportError } from './errors.js';
import { FrameDecoder } from './frame-decoder.js';
import { DIGEST_BYTES, formatId } from './wire.js';

/** How reading the database bytes ended, for the answer to the sender. */
interface DbRead {
  bytes: number;
  verified: boolean;
  digestFailed: boolean;
}

/**
 * Receives a snapshot request's body (the MsgSnap frame, the database, its SHA-256): the
 * database goes to the handler as it arrives, never whole in memory, holding back the last 32
 * bytes, which may be the trailer. Only once the handler saved it and the digest matched is the
 * message stepped; the sender hears 204, or 400 (bad body) / 500 (the member failed).
 */
export async function receiveSnapshot(ctx: TransportContext, stream: ServerHttp2Stream, from: bigint): Promise<void> {
  const label = formatId(from);
  const source = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const read: DbRead = { bytes: 0, verified: false, digestFailed: false };
  let status = 204;
  let reason = '';
  try {
    const { msg, rest } = await readHead(source, ctx.maxFrameBytes);
    try {
      await ctx.handler.receiveSnapshot(msg, databaseBytes(source, rest, read));
    } catch (err) {
      if (!read.digestFailed) throw new MemberError(err);
      throw err;
    }
    if (!read.verified) throw new SnapshotDigestError('the member stopped reading the snapshot before its end');
    ctx.metrics.receivedBytes.inc({ From: label }, read.bytes + DIGEST_BYTES);
    try {
      ctx.handler.process(msg);
    } catch (err) {
      throw new MemberError(err);
    }
    ctx.metrics.snapshotReceiveSuccess.inc({ From: label });
    ctx.logger.info('received database snapshot', { 'remote-peer-id': label, bytes: read.bytes, index: msg.snapshot?.metadata.index ?? 0 });
  } catch (err) {
    status = err instanceof MemberError ? 500 : 400;
    reason = errorMessage(err instanceof MemberError ? err.cause : err);
    ctx.metrics.snapshotReceiveFailures.inc({ From: label });
    ctx.metrics.receivedFailures.inc({ From: label });
    ctx.logger.warn('failed to receive database snapshot', { 'remote-peer-id': label, error: reason });
  }
  answer(stream, status, reason);
}

/** The handler (or raft) failed, as opposed to the body being bad. */
class MemberError extends TransportError {
  constructor(cause: unknown) {
    super(`member failed: ${errorMessage(cause)}`, { cause });
  }
}

async function readHead(source: AsyncIterator<Buffer>, maxFrameBytes: number): Promise<{ msg: Message; rest: Buffer }> {
  const decoder = new FrameDecoder(maxFrameBytes);
  for (;;) {
    const r = await source.next();
    if (r.done === true) throw new TransportError('snapshot request ended before its message');
    decoder.append(r.value);
    const frame = decoder.next();
    if (frame === undefined) continue;
    const msg = decodeMessage(frame);
    if (msg.type !== MessageType.MsgSnap || msg.snapshot === undefined) throw new TransportError('snapshot request does not start with a MsgSnap');
    return { msg, rest: decoder.drain() };
  }
}

/** The database bytes, hashed as they pass; throws at the end if the trailer does not match. */
async function* databaseBytes(source: AsyncIterator<Buffer>, first: Buffer, read: DbRead): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  let held = first;
  for (;;) {
    if (held.length > DIGEST_BYTES) {
      const out = held.subarray(0, held.length - DIGEST_BYTES);
      held = held.subarray(held.length - DIGEST_BYTES);
      hash.update(out);
      read.bytes += out.length;
      yield out;
    }
    const r = await source.next();
    if (r.done === true) break;
    held = held.length === 0 ? r.value : Buffer.concat([held, r.value]);
  }
  if (held.length !== DIGEST_BYTES || !timingSafeEqual(hash.digest(), held)) {
    read.digestFailed = true;
    throw new SnapshotDigestError(`snapshot database of ${read.bytes} bytes does not match its SHA-256 trailer`);
  }
  read.verified = true;
}

function answer(stream: ServerHttp2Stream, status: number, reason: string): void {
  if (stream.destroyed || stream.headersSent) return;
  if (status === 204) {
    stream.respond({ ':status': 204 }, { endStream: true });
    return;
  }
  stream.respond({ ':status': status, 'content-type': 'text/plain; charset=utf-8' });
  stream.end(reason);
  // The sender may still be uploading: stop reading its body.
  stream.resume();
}
