import type { EtcdServerApi } from '../etcdserver/server-api.js';
import { checkDeleteRangeRequest, checkPutRequest, checkRangeRequest, checkTxnRequest } from '../mvcc/index.js';
import { etcdserverpb as pb, kvService } from '../pb/index.js';
import {
  deleteRangeFromPb, deleteRangeResponseToPb, headerToPb, num, putFromPb, putResponseToPb, rangeFromPb,
  rangeResponseToPb, txnFromPb, txnResponseToPb,
} from './convert.js';
import type { UnaryMethod } from './grpc/index.js';
import type { ApiLimits } from './limits.js';
import { userOf } from './request-user.js';
import { unaryMethod } from './unary-method.js';

/**
 * etcd's KV service. Each request is validated first (mvcc's checks, as etcd's v3rpc does before
 * proposing), then handed to the member; the response header is the member's at the revision
 * the store answered with.
 */
export function kvMethods(server: EtcdServerApi, limits: ApiLimits): UnaryMethod<unknown, unknown>[] {
  const header = (revision: number): pb.IResponseHeader => headerToPb(server.header(revision === 0 ? undefined : revision));
  const methods = [
    unaryMethod(kvService.Range.path, (b) => pb.RangeRequest.decode(b), (r: pb.IRangeResponse) => pb.RangeResponse.encode(r), async (req, call) => {
      const r = rangeFromPb(req);
      checkRangeRequest(r);
      const res = await server.range(r, await userOf(server, call));
      return rangeResponseToPb(res, header(res.header.revision));
    }),
    unaryMethod(kvService.Put.path, (b) => pb.PutRequest.decode(b), (r: pb.IPutResponse) => pb.PutResponse.encode(r), async (req, call) => {
      const r = putFromPb(req);
      checkPutRequest(r);
      const res = await server.put(r, await userOf(server, call));
      return putResponseToPb(res, header(res.header.revision));
    }),
    unaryMethod(
      kvService.DeleteRange.path,
      (b) => pb.DeleteRangeRequest.decode(b),
      (r: pb.IDeleteRangeResponse) => pb.DeleteRangeResponse.encode(r),
      async (req, call) => {
        const r = deleteRangeFromPb(req);
        checkDeleteRangeRequest(r);
        const res = await server.deleteRange(r, await userOf(server, call));
        return deleteRangeResponseToPb(res, header(res.header.revision));
      },
    ),
    unaryMethod(kvService.Txn.path, (b) => pb.TxnRequest.decode(b), (r: pb.ITxnResponse) => pb.TxnResponse.encode(r), async (req, call) => {
      const r = txnFromPb(req);
      checkTxnRequest(r, limits.maxTxnOps);
      const res = await server.txn(r, await userOf(server, call));
      return txnResponseToPb(res, header(res.header.revision));
    }),
    unaryMethod(
      kvService.Compact.path,
      (b) => pb.CompactionRequest.decode(b),
      (r: pb.ICompactionResponse) => pb.CompactionResponse.encode(r),
      async (req) => ({ header: headerToPb(await server.compact(num(req.revision), req.physical === true)) }),
    ),
  ];
  return methods as UnaryMethod<unknown, unknown>[];
}
