// Calls for the lock and election tests: a unary call that can be cancelled and whose
// settlement a test can look at without awaiting it.
import type * as grpc from '@grpc/grpc-js';
import type { RpcMethod } from '../../../server/src/pb/index.js';
import { toSafeNumber } from '../../../server/src/util/index.js';

type AnyMethod = RpcMethod<any, any, any, any>;
type ReqOf<M> = M extends RpcMethod<infer I, infer _O, infer _RI, infer _RO> ? I : never;
type ResOf<M> = M extends RpcMethod<infer _I, infer _O, infer _RI, infer RO> ? RO : never;

/** A call in flight: its outcome, whether it settled yet, and a way to cancel it. */
export interface Pending<T> {
  readonly result: Promise<T>;
  readonly settled: () => boolean;
  cancel(): void;
}

export function pending<M extends AnyMethod>(client: grpc.Client, m: M, req: ReqOf<M>): Pending<ResOf<M>> {
  let done = false;
  let call: grpc.ClientUnaryCall | undefined;
  const result = new Promise<ResOf<M>>((resolve, reject) => {
    const fn = (client as unknown as Record<string, (...a: unknown[]) => grpc.ClientUnaryCall>)[m.originalName];
    if (fn === undefined) throw new Error(`client has no method ${m.originalName}`);
    call = fn.call(client, req, { deadline: Date.now() + 60_000 }, (err: grpc.ServiceError | null, res: ResOf<M>) => {
      done = true;
      if (err) reject(err);
      else resolve(res);
    });
  });
  // A test that expects a failure awaits it; one that cancels may not: never unhandled.
  result.catch(() => undefined);
  return { result, settled: () => done, cancel: () => call?.cancel() };
}

/** An int64 field of a decoded message as a number. */
export const n = (v: unknown): number => toSafeNumber((v ?? 0) as number, 'field');
export const b = (s: string): Buffer => Buffer.from(s);
export const str = (v: Uint8Array | null | undefined): string => Buffer.from(v ?? new Uint8Array(0)).toString();
