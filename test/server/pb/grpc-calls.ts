// Thin promise wrappers over a grpc-js generic client whose methods come from services.ts.
import * as grpc from '@grpc/grpc-js';
import type { RpcMethod } from '../../../server/src/pb/index.js';

type AnyMethod = RpcMethod<any, any, any, any>;
type ReqOf<M> = M extends RpcMethod<infer I, infer _O, infer _RI, infer _RO> ? I : never;
type ResOf<M> = M extends RpcMethod<infer _I, infer _O, infer _RI, infer RO> ? RO : never;

const CALL_TIMEOUT_MS = 15_000;

/** A client for one service map, e.g. `clientFor(kvService, 'KV', addr)`. */
export function clientFor(service: Record<string, AnyMethod>, name: string, addr: string): grpc.Client {
  const Ctor = grpc.makeGenericClientConstructor(service, name);
  return new Ctor(addr, grpc.credentials.createInsecure());
}

function method(client: grpc.Client, m: AnyMethod): (...args: unknown[]) => unknown {
  const fn = (client as unknown as Record<string, unknown>)[m.originalName];
  if (typeof fn !== 'function') throw new Error(`client has no method ${m.originalName}`);
  return (...args: unknown[]) => (fn as (...a: unknown[]) => unknown).apply(client, args);
}

export function unary<M extends AnyMethod>(client: grpc.Client, m: M, req: ReqOf<M>): Promise<ResOf<M>> {
  return new Promise((resolve, reject) => {
    method(client, m)(req, { deadline: Date.now() + CALL_TIMEOUT_MS }, (err: grpc.ServiceError | null, res: ResOf<M>) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/** Expects the call to fail; returns the gRPC status it failed with. */
export async function unaryError<M extends AnyMethod>(client: grpc.Client, m: M, req: ReqOf<M>): Promise<grpc.ServiceError> {
  try {
    await unary(client, m, req);
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error(`${m.path} unexpectedly succeeded`);
}

/** Queues a stream's messages so a test can take them one at a time, each with a deadline. */
export class Inbox<T> {
  private readonly queue: T[] = [];
  private readonly waiters: ((v: T) => void)[] = [];
  private failure: Error | undefined;
  private readonly ended: Promise<void>;

  constructor(stream: NodeJS.EventEmitter) {
    stream.on('data', (m: T) => {
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
    stream.on('error', (e: Error) => (this.failure = e));
    this.ended = new Promise((resolve) => stream.once('end', () => resolve()));
  }

  next(timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter = (m: T): void => {
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error('no stream message before the deadline'));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Waits for the server to end the stream and returns every message not yet taken. */
  async drain(timeoutMs = CALL_TIMEOUT_MS): Promise<T[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('stream did not end before the deadline')), timeoutMs);
    });
    try {
      await Promise.race([this.ended, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (this.failure) throw this.failure;
    return this.queue.splice(0);
  }
}

export function bidi<M extends AnyMethod>(client: grpc.Client, m: M): { stream: grpc.ClientDuplexStream<ReqOf<M>, ResOf<M>>; inbox: Inbox<ResOf<M>> } {
  const stream = method(client, m)({ deadline: Date.now() + 60_000 }) as grpc.ClientDuplexStream<ReqOf<M>, ResOf<M>>;
  return { stream, inbox: new Inbox(stream) };
}

export function serverStream<M extends AnyMethod>(client: grpc.Client, m: M, req: ReqOf<M>): { stream: grpc.ClientReadableStream<ResOf<M>>; inbox: Inbox<ResOf<M>> } {
  const stream = method(client, m)(req, { deadline: Date.now() + 60_000 }) as grpc.ClientReadableStream<ResOf<M>>;
  return { stream, inbox: new Inbox(stream) };
}
