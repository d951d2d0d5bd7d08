// gRPC connections to one member (directly or through its client proxy), with a deadline on every
// call: under faults a call that never answers must become an unknown outcome, not a hang.
import * as grpc from '@grpc/grpc-js';
import {
  clusterService, kvService, leaseService, maintenanceService, watchService, type RpcMethod,
} from '../../../server/src/pb/index.js';

type AnyMethod = RpcMethod<any, any, any, any>;
type ReqOf<M> = M extends RpcMethod<infer I, infer _O, infer _RI, infer _RO> ? I : never;
type ResOf<M> = M extends RpcMethod<infer _I, infer _O, infer _RI, infer RO> ? RO : never;

/** Quick redials: a member that comes back is used again at once. */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 300,
  'grpc.min_reconnect_backoff_ms': 100,
};

let channelSeq = 0;

function make(service: Record<string, AnyMethod>, name: string, addr: string, channel: number): grpc.Client {
  const Ctor = grpc.makeGenericClientConstructor(service, name);
  // A distinct option value gives each connection its own channel (grpc-js shares them otherwise).
  return new Ctor(addr, grpc.credentials.createInsecure(), { ...CHANNEL_OPTIONS, 'robustness.channel': channel });
}

/** One channel's worth of service clients to one address. */
export class Connection {
  readonly kv: grpc.Client;
  readonly watch: grpc.Client;
  readonly lease: grpc.Client;
  readonly maint: grpc.Client;
  readonly cluster: grpc.Client;

  constructor(readonly address: string) {
    const ch = channelSeq++;
    this.kv = make(kvService, 'KV', address, ch);
    this.watch = make(watchService, 'Watch', address, ch);
    this.lease = make(leaseService, 'Lease', address, ch);
    this.maint = make(maintenanceService, 'Maintenance', address, ch);
    this.cluster = make(clusterService, 'Cluster', address, ch);
  }

  close(): void {
    for (const c of [this.kv, this.watch, this.lease, this.maint, this.cluster]) c.close();
  }
}

function fn(client: grpc.Client, m: AnyMethod): (...args: unknown[]) => unknown {
  const f = (client as unknown as Record<string, unknown>)[m.originalName];
  if (typeof f !== 'function') throw new Error(`client has no method ${m.originalName}`);
  return (...args: unknown[]) => (f as (...a: unknown[]) => unknown).apply(client, args);
}

/** One unary call with a deadline; rejects with the grpc ServiceError. */
export function unary<M extends AnyMethod>(client: grpc.Client, m: M, req: ReqOf<M>, timeoutMs: number): Promise<ResOf<M>> {
  return new Promise((resolve, reject) => {
    fn(client, m)(req, { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, res: ResOf<M>) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/** Opens a bidi stream (no deadline: streams are ended by the caller). */
export function bidi(client: grpc.Client, m: AnyMethod): grpc.ClientDuplexStream<unknown, unknown> {
  return fn(client, m)() as grpc.ClientDuplexStream<unknown, unknown>;
}

/**
 * Whether a failed request certainly never reached the state machine: the client could not
 * even connect, Anything else, even "etcdserver: no leader" (a server may say it
 * after proposing), timeouts, dropped connections, may have taken effect.
 */
export function definitelyFailed(err: unknown): boolean {
  const e = err as Partial<grpc.ServiceError>;
  const details = String(e.details ?? e.message ?? '');
  return e.code === grpc.status.UNAVAILABLE && /No connection established|ECONNREFUSED/.test(details);
}

export const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
export const text = (b: Uint8Array | null | undefined): string => (b === null || b === undefined ? '' : Buffer.from(b).toString('utf8'));
/** A protobuf int64 (number or Long) as a number; revisions and counts stay far below 2^53. */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(String(v)));
