import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import { encodeMessage } from '../raft/index.js';
import { errorMessage } from '../util/index.js';
import type { TransportContext } from './context.js';
import { PeerRefusedError, TransportError } from './errors.js';
import type { OutgoingSnapshot } from './types.js';
import { SNAPSHOT_PATH, encodeFrames, formatId, peerHeaders } from './wire.js';

/** A snapshot transfer that moves no byte either way for this long is given up (and retried by raft). */
const SNAPSHOT_IDLE_TIMEOUT_MS = 30_000;

/**
 * Sends one snapshot to a peer on its own connection, so a large database does not hold up the
 * raft messages on the peer's stream: the MsgSnap frame, the database bytes as they are read
 * (writes wait for the connection to drain, so the whole database is never in memory), then
 * the SHA-256 of those bytes. Resolves true once the peer answered 204; never rejects.
 */
export async function sendSnapshotTo(
  ctx: TransportContext,
  url: string,
  snap: OutgoingSnapshot,
  track: (session: http2.ClientHttp2Session) => () => void,
): Promise<boolean> {
  const to = snap.msg.to;
  let session: http2.ClientHttp2Session;
  try {
    session = ctx.connect(url);
  } catch (err) {
    ctx.metrics.snapshotSendFailures.inc({ To: formatId(to) });
    ctx.logger.warn('failed to send database snapshot', { 'remote-peer-id': formatId(to), error: errorMessage(err) });
    return false;
  }
  const untrack = track(session);
  session.on('error', () => undefined);
  try {
    const req = session.request({ ':method': 'POST', ':path': SNAPSHOT_PATH, ...peerHeaders(ctx.clusterId, ctx.memberId, to) });
    // A link that swallows everything (a partition) would otherwise hold the send forever.
    req.setTimeout(SNAPSHOT_IDLE_TIMEOUT_MS, () => req.close(http2.constants.NGHTTP2_CANCEL));
    const answer = responseOf(req);
    answer.catch(() => undefined);
    const sent = await writeBody(req, snap);
    ctx.metrics.sentBytes.inc({ To: formatId(to) }, sent);
    const status = await answer;
    if (status !== 204) throw new PeerRefusedError(status, 'snapshot refused');
    ctx.metrics.snapshotSendSuccess.inc({ To: formatId(to) });
    ctx.logger.info('sent database snapshot', { 'remote-peer-id': formatId(to), bytes: sent });
    return true;
  } catch (err) {
    ctx.metrics.snapshotSendFailures.inc({ To: formatId(to) });
    ctx.logger.warn('failed to send database snapshot', { 'remote-peer-id': formatId(to), error: errorMessage(err) });
    return false;
  } finally {
    untrack();
    session.destroy();
  }
}

async function writeBody(req: http2.ClientHttp2Stream, snap: OutgoingSnapshot): Promise<number> {
  const hash = createHash('sha256');
  let sent = 0;
  let dbBytes = 0;
  const head = encodeFrames([encodeMessage(snap.msg)]);
  sent += head.length;
  await write(req, head);
  for await (const chunk of snap.chunks) {
    hash.update(chunk);
    dbBytes += chunk.length;
    sent += chunk.length;
    await write(req, chunk);
  }
  if (dbBytes !== snap.size) throw new TransportError(`snapshot announced ${snap.size} bytes but its stream had ${dbBytes}`);
  const digest = hash.digest();
  sent += digest.length;
  await write(req, digest);
  req.end();
  return sent;
}

/** Writes, waiting for the stream to drain when its buffer is full; rejects if the stream dies. */
function write(stream: http2.ClientHttp2Stream, chunk: Uint8Array): Promise<void> {
  if (stream.destroyed) return Promise.reject(new TransportError('snapshot stream closed'));
  if (stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', done);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new TransportError('snapshot stream closed'));
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    stream.on('error', done);
  });
}

/** The response status, once the peer answers; rejects if the stream ends without one. */
function responseOf(req: http2.ClientHttp2Stream): Promise<number> {
  return new Promise((resolve, reject) => {
    req.on('response', (headers) => {
      req.resume();
      resolve(Number(headers[':status']));
    });
    req.on('error', reject);
    req.on('close', () => reject(new TransportError('snapshot stream closed before an answer')));
  });
}
