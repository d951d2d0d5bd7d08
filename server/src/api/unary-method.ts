import type { CallContext, UnaryMethod } from './grpc/index.js';

/** A unary method of ours: decode with the request class, encode with the response class. */
export function unaryMethod<Req, Res>(
  path: string,
  decode: (b: Uint8Array) => Req,
  encode: (r: Res) => { finish(): Uint8Array },
  handler: (req: Req, call: CallContext) => Promise<Res>,
): UnaryMethod<Req, Res> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    decode: (b) => decode(b),
    encode: (r) => encode(r).finish(),
    handler: (req, call) => handler(req, call),
  };
}
