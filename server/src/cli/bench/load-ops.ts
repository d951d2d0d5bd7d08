import { etcdserverpb, kvService, leaseService } from '../../pb/index.js';
import { assertNever } from '../../util/index.js';
import type { KeyShape, LeaseKeepaliveConfig, PutConfig, RangeConfig, TxnPutConfig } from './bench-config.js';
import { GrpcCallError } from './errors.js';
import type { GrpcConnection } from './grpc-connection.js';

/** One request of a load, sent by one client; n is its global number (0..total-1). */
export type Op = (n: number) => Promise<void>;

export type RequestConfig = PutConfig | RangeConfig | TxnPutConfig | LeaseKeepaliveConfig;

/**
 * A key of exactly keySize bytes: the number n in decimal, zero-padded on the left. Readable with
 * etcdctl, and distinct for every n below the key space (checked when the load starts).
 */
export function benchKey(n: number, keySize: number): Buffer {
  return Buffer.from(String(n).padStart(keySize, '0'));
}

/** Rejects a key space that does not fit in --key-size decimal digits (keys would collide). */
export function checkKeySpace(shape: KeyShape): string | undefined {
  const digits = String(Math.max(0, shape.keySpaceSize - 1)).length;
  return digits > shape.keySize ? `--key-space-size ${shape.keySpaceSize} needs --key-size >= ${digits}` : undefined;
}

/** Key number of request n: with --sequential-keys n mod the key space (over all clients), else uniform random. */
function keyNumber(shape: KeyShape, n: number): number {
  return shape.sequentialKeys ? n % shape.keySpaceSize : Math.floor(Math.random() * shape.keySpaceSize);
}

/** Builds the request function of one client on its connection (after any setup it needs). */
export async function makeOp(config: RequestConfig, conn: GrpcConnection): Promise<Op> {
  switch (config.kind) {
    case 'put':
      return putOp(config, conn);
    case 'range':
      return rangeOp(config, conn);
    case 'txn-put':
      return txnPutOp(config, conn);
    case 'lease-keepalive':
      return keepaliveOp(conn);
    default:
      return assertNever(config);
  }
}

function putOp(c: PutConfig, conn: GrpcConnection): Op {
  const value = Buffer.alloc(c.valSize, 0x62);
  const path = kvService.Put.path;
  return async (n) => {
    await conn.unary(path, etcdserverpb.PutRequest.encode({ key: benchKey(keyNumber(c, n), c.keySize), value }).finish());
  };
}

function rangeOp(c: RangeConfig, conn: GrpcConnection): Op {
  const body = etcdserverpb.RangeRequest.encode({
    key: Buffer.from(c.key),
    ...(c.end === '' ? {} : { rangeEnd: Buffer.from(c.end) }),
    serializable: c.serializable,
  }).finish();
  const path = kvService.Range.path;
  return async () => {
    await conn.unary(path, body);
  };
}

/** Each txn puts --txn-ops consecutive keys (mod the key space) from its first key: distinct keys. */
function txnPutOp(c: TxnPutConfig, conn: GrpcConnection): Op {
  const value = Buffer.alloc(c.valSize, 0x74);
  const path = kvService.Txn.path;
  return async (n) => {
    const first = keyNumber(c, n * c.txnOps);
    const success = Array.from({ length: c.txnOps }, (_, j) => ({
      requestPut: { key: benchKey((first + j) % c.keySpaceSize, c.keySize), value },
    }));
    await conn.unary(path, etcdserverpb.TxnRequest.encode({ success }).finish());
  };
}

/**
 * Grants a lease (TTL 100 s, as etcd's tool) and keeps one LeaseKeepAlive stream open; each
 * request sends one keep-alive and waits for its reply. A reply with TTL <= 0 (lease gone) or an
 * ended stream is an error.
 */
async function keepaliveOp(conn: GrpcConnection): Promise<Op> {
  const granted = etcdserverpb.LeaseGrantResponse.decode(await conn.unary(leaseService.LeaseGrant.path, etcdserverpb.LeaseGrantRequest.encode({ TTL: 100 }).finish()));
  const id = granted.ID;
  let waiting: { resolve: () => void; reject: (e: Error) => void } | undefined;
  let ended: Error | undefined;
  const stream = conn.stream(leaseService.LeaseKeepAlive.path, {
    onMessage: (m) => {
      const ttl = Number(etcdserverpb.LeaseKeepAliveResponse.decode(m).TTL);
      const w = waiting;
      waiting = undefined;
      if (ttl > 0) w?.resolve();
      else w?.reject(new GrpcCallError(5, 'etcdserver: requested lease not found'));
    },
    onEnd: (err) => {
      ended = err ?? new Error('keep-alive stream ended');
      waiting?.reject(ended);
      waiting = undefined;
    },
  });
  const body = etcdserverpb.LeaseKeepAliveRequest.encode({ ID: id }).finish();
  return () =>
    new Promise<void>((resolve, reject) => {
      if (ended !== undefined) return reject(ended);
      waiting = { resolve, reject };
      stream.write(body);
    });
}
