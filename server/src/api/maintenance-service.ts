import type { AlarmMember, AlarmType, EtcdServerApi, SnapshotStream, StatusInfo } from '../etcdserver/server-api.js';
import { SERVER_ERROR_TEXT } from '../etcdserver/errors.js';
import { etcdserverpb as pb, maintenanceService } from '../pb/index.js';
import { headerToPb, i64, num, u64, unsigned } from './convert.js';
import { SnapshotIncompleteError } from './errors.js';
import type { AnyMethod, ServerStreamingMethod, ServerWritableCall } from './grpc/index.js';
import { requireAdminAsMaintenance } from './request-user.js';
import { unaryMethod } from './unary-method.js';

/** Bytes of db per Snapshot message (etcd's snapshotSendBufferSize). */
export const SNAPSHOT_CHUNK_BYTES = 32 * 1024;
/** The SHA-256 trailer that ends a snapshot stream. */
const DIGEST_BYTES = 32;

const ALARM_TYPES: readonly AlarmType[] = ['NONE', 'NOSPACE', 'CORRUPT'];
const ALARM_ACTIONS = ['get', 'activate', 'deactivate'] as const;

function alarmMemberToPb(a: AlarmMember): pb.IAlarmMember {
  const n = ALARM_TYPES.indexOf(a.alarm);
  return { memberID: u64(a.memberId), alarm: n <= 0 ? null : n };
}

function statusToPb(s: StatusInfo, header: pb.IResponseHeader): pb.IStatusResponse {
  // etcd puts "no leader" first when the member knows none, then the alarms.
  const errors = s.leader === 0n && !s.errors.includes(SERVER_ERROR_TEXT.noLeader) ? [SERVER_ERROR_TEXT.noLeader, ...s.errors] : s.errors;
  return {
    header,
    version: s.version,
    dbSize: i64(s.dbSize),
    leader: u64(s.leader),
    raftIndex: i64(s.raftIndex),
    raftTerm: i64(s.raftTerm),
    raftAppliedIndex: i64(s.raftAppliedIndex),
    errors,
    dbSizeInUse: i64(s.dbSizeInUse),
    isLearner: s.isLearner || null,
  };
}

/**
 * etcd's Maintenance service. As etcd 3.4, Alarm, Defragment, Snapshot and MoveLeader
 * responses carry no header; Status, Hash and HashKV carry the member's full header.
 */
export function maintenanceMethods(server: EtcdServerApi): AnyMethod[] {
  const M = maintenanceService;
  const methods = [
    unaryMethod(M.Alarm.path, (b) => pb.AlarmRequest.decode(b), (r: pb.IAlarmResponse) => pb.AlarmResponse.encode(r), async (req) => {
      const action = ALARM_ACTIONS[req.action ?? 0];
      // etcd's applier answers an unknown action with an empty response.
      if (action === undefined) return {};
      const alarm = ALARM_TYPES[req.alarm ?? 0] ?? 'NONE';
      const alarms = await server.alarm(action, unsigned(req.memberID), alarm);
      return { alarms: alarms.map(alarmMemberToPb) };
    }),
    unaryMethod(M.Status.path, (b) => pb.StatusRequest.decode(b), (r: pb.IStatusResponse) => pb.StatusResponse.encode(r), async () => {
      const s = await server.status();
      return statusToPb(s, headerToPb(server.header()));
    }),
    unaryMethod(M.Defragment.path, (b) => pb.DefragmentRequest.decode(b), (r: pb.IDefragmentResponse) => pb.DefragmentResponse.encode(r), async (_req, call) => {
      await requireAdminAsMaintenance(server, call);
      await server.defragment();
      return {};
    }),
    unaryMethod(M.Hash.path, (b) => pb.HashRequest.decode(b), (r: pb.IHashResponse) => pb.HashResponse.encode(r), async (_req, call) => {
      await requireAdminAsMaintenance(server, call);
      const h = await server.hash();
      return { header: headerToPb(server.header(h.revision)), hash: h.hash === 0 ? null : h.hash >>> 0 };
    }),
    unaryMethod(M.HashKV.path, (b) => pb.HashKVRequest.decode(b), (r: pb.IHashKVResponse) => pb.HashKVResponse.encode(r), async (req, call) => {
      await requireAdminAsMaintenance(server, call);
      const h = await server.hashKV(num(req.revision));
      // etcd's store starts with compact revision -1 and reports it so until the first compaction.
      const compactRevision = h.compactRevision === 0 ? -1 : h.compactRevision;
      return { header: headerToPb(server.header(h.revision)), hash: h.hash === 0 ? null : h.hash >>> 0, compactRevision };
    }),
    snapshotMethod(server),
    unaryMethod(M.MoveLeader.path, (b) => pb.MoveLeaderRequest.decode(b), (r: pb.IMoveLeaderResponse) => pb.MoveLeaderResponse.encode(r), async (req, call) => {
      await requireAdminAsMaintenance(server, call);
      await server.moveLeader(unsigned(req.targetID));
      return {};
    }),
  ];
  return methods as AnyMethod[];
}

function snapshotMethod(server: EtcdServerApi): ServerStreamingMethod<pb.SnapshotRequest, pb.ISnapshotResponse> {
  return {
    path: maintenanceService.Snapshot.path,
    requestStream: false,
    responseStream: true,
    decode: (b) => pb.SnapshotRequest.decode(b),
    encode: (r) => pb.SnapshotResponse.encode(r).finish(),
    handler: async (_req, call) => {
      await requireAdminAsMaintenance(server, call);
      await sendSnapshot(await server.snapshot(), call);
    },
  };
}

/**
 * Streams a snapshot as etcd 3.4 does: the db in 32 KiB messages, each with `remaining_bytes`
 * = db bytes still to come after it (so the last db message says 0), then one message with
 * the 32-byte SHA-256 of the db and remaining_bytes 0. The member's chunks may have any size;
 * they are re-cut here, and the bytes past `size` are the trailer.
 */
async function sendSnapshot(snap: SnapshotStream, call: ServerWritableCall<pb.ISnapshotResponse>): Promise<void> {
  const total = snap.size;
  let sent = 0;
  let buf: Buffer = Buffer.alloc(0);
  const trailer: Buffer[] = [];
  for await (const chunk of snap.chunks) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const dbPart = Math.min(bytes.byteLength, total - sent - buf.byteLength);
    buf = buf.byteLength === 0 ? bytes.subarray(0, dbPart) : Buffer.concat([buf, bytes.subarray(0, dbPart)]);
    if (dbPart < bytes.byteLength) trailer.push(bytes.subarray(dbPart));
    while (buf.byteLength >= SNAPSHOT_CHUNK_BYTES || (buf.byteLength > 0 && sent + buf.byteLength === total)) {
      const blob = buf.subarray(0, SNAPSHOT_CHUNK_BYTES);
      buf = buf.subarray(blob.byteLength);
      sent += blob.byteLength;
      await call.write({ remainingBytes: i64(total - sent), blob });
      if (call.cancelled) return;
    }
  }
  const digest = Buffer.concat(trailer);
  if (sent !== total || digest.byteLength !== DIGEST_BYTES) {
    throw new SnapshotIncompleteError(`snapshot stream ended after ${sent} of ${total} db bytes and ${digest.byteLength} of ${DIGEST_BYTES} digest bytes`);
  }
  await call.write({ blob: digest });
}
