import type { CallContext, UnaryMethod } from '../grpc/index.js';

/**
 * A unary method whose handler also sees its call: Lock and Campaign wait, and must stop (and
 * clean up) when the call is cancelled. (unary-method.ts's handlers see the request only.)
 */
export function callMethod<Req, Res>(
  path: string,
  decode: (b: Uint8Array) => Req,
  encode: (r: Res) => { finish(): Uint8Array },
  handler: (req: Req, call: CallContext) => Promise<Res>,
): UnaryMethod<Req, Res> {
  return { path, requestStream: false, responseStream: false, decode: (b) => decode(b), encode: (r) => encode(r).finish(), handler };
}
