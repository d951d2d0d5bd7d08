// List-and-watch as a Kubernetes client does it: list the register prefix, watch from the list's
// revision + 1 (with prev_kv and progress notifications), and when the stream breaks resume from
// the last revision seen; when the history was compacted away, list again. Each stream is one
// WatchRecord for the validators. Watchers rotate over the members.
import type * as grpc from '@grpc/grpc-js';
import { etcdserverpb as pb, kvService, mvccpb, watchService } from '../../../server/src/pb/index.js';
import { bidi, bytes, Connection, num, text, unary } from '../harness/grpc.js';
import type { WatchEventRecord, WatchRecord, WatchResponseRecord } from '../validate/index.js';
import { breathe, type WorkloadContext } from './context.js';
import { REGISTER_PREFIX } from './registers.js';

const RANGE_END = REGISTER_PREFIX.slice(0, -1) + String.fromCharCode(REGISTER_PREFIX.charCodeAt(REGISTER_PREFIX.length - 1) + 1);

function kv(x: mvccpb.IKeyValue): Omit<WatchEventRecord, 'type'> {
  return {
    key: text(x.key), value: text(x.value), modRevision: num(x.modRevision), createRevision: num(x.createRevision),
    version: num(x.version), lease: num(x.lease),
  };
}

function toResponse(r: pb.WatchResponse, time: number): WatchResponseRecord {
  return {
    time, headerRevision: num(r.header?.revision), compactRevision: num(r.compactRevision), canceled: r.canceled, created: r.created,
    events: r.events.map((e) => {
      const ev: WatchEventRecord = { type: e.type === mvccpb.Event.EventType.DELETE ? 'DELETE' : 'PUT', ...kv(e.kv ?? {}) };
      if (e.prevKv !== null && e.prevKv !== undefined) ev.prevKv = kv(e.prevKv);
      return ev;
    }),
  };
}

/** One stream until it ends; returns the revision to resume from (0: list again). */
function watchOnce(ctx: WorkloadContext, conn: Connection, clientId: number, start: number): Promise<number> {
  const record: WatchRecord = {
    clientId, memberEndpoint: conn.address, responses: [],
    request: { key: REGISTER_PREFIX, rangeEnd: RANGE_END, startRevision: start, prevKv: true, filters: [], progressNotify: true },
  };
  ctx.rec.watches.push(record);
  ctx.rec.count('watch', 'ok');
  let next = start;
  return new Promise((resolve) => {
    const stream: grpc.ClientDuplexStream<unknown, unknown> = bidi(conn.watch, watchService.Watch);
    let done = false;
    const end = (why: string, resume: number): void => {
      if (done) return;
      done = true;
      clearInterval(poll);
      record.endedBy = why;
      stream.cancel();
      resolve(resume);
    };
    const poll = setInterval(() => (ctx.stopped() ? end('closed by the harness', next) : undefined), 100);
    stream.on('data', (r: pb.WatchResponse) => {
      const resp = toResponse(r, ctx.rec.now());
      record.responses.push(resp);
      for (const e of resp.events) next = Math.max(next, e.modRevision + 1);
      if (resp.events.length === 0 && !resp.created && !resp.canceled) next = Math.max(next, resp.headerRevision + 1);
      if (resp.canceled) end(`canceled: ${r.cancelReason}`, resp.compactRevision > 0 ? 0 : next);
    });
    stream.on('error', (e: Error) => end(`error: ${e.message}`, next));
    stream.on('end', () => end('server ended the stream', next));
    stream.write({ createRequest: { key: bytes(REGISTER_PREFIX), rangeEnd: bytes(RANGE_END), startRevision: start, prevKv: true, progressNotify: true } });
  });
}

/** Lists the prefix (linearizably) and returns the revision to watch from. */
async function list(conn: Connection): Promise<number> {
  const r = await unary(conn.kv, kvService.Range, { key: bytes(REGISTER_PREFIX), rangeEnd: bytes(RANGE_END), keysOnly: true }, 2_000);
  return num(r.header?.revision) + 1;
}

/** Runs `count` list-and-watch clients until the context stops. */
export async function runWatchers(ctx: WorkloadContext, count: number): Promise<void> {
  const members = ctx.cluster.members;
  const one = async (i: number): Promise<void> => {
    let turn = i;
    let resume = 0;
    while (!ctx.stopped()) {
      const conn = new Connection(members[turn++ % members.length]!.clientAddress);
      try {
        if (resume === 0) resume = await list(conn);
        resume = await watchOnce(ctx, conn, ctx.rec.clientId(), resume);
      } catch {
        ctx.rec.count('list', 'failed');
      } finally {
        conn.close();
      }
      if (!ctx.stopped()) await breathe(100);
    }
  };
  await Promise.all(Array.from({ length: count }, (_, i) => one(i)));
}
