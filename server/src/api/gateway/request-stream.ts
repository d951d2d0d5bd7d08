import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { GatewayDecodeError } from './errors.js';
import { type JsonValue, JsonReader } from './json-reader.js';

/**
 * A request body read as a stream of JSON values, each as soon as it is complete (a watch
 * client sends new requests on a body it keeps open). After a value that is not JSON the
 * stream ends, as grpc-gateway half-closes the gRPC stream on a decode error.
 */
export class RequestStream implements AsyncIterable<JsonValue> {
  private buffered = '';
  private readonly ready: JsonValue[] = [];
  private ended = false;
  private error: GatewayDecodeError | undefined;
  private wake: (() => void) | undefined;

  constructor(req: IncomingMessage) {
    const decoder = new StringDecoder('utf8');
    req.on('data', (chunk: Buffer) => this.push(decoder.write(chunk), false));
    req.once('end', () => this.push(decoder.end(), true));
    req.once('close', () => this.push('', true));
  }

  /** The first value; undefined for an empty body. Throws the first value's decode error. */
  async first(): Promise<JsonValue | undefined> {
    const r = await this.take();
    if (r === undefined && this.error !== undefined) throw this.error;
    return r;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<JsonValue> {
    for (;;) {
      const v = await this.take();
      if (v === undefined) return;
      yield v;
    }
  }

  private async take(): Promise<JsonValue | undefined> {
    for (;;) {
      const v = this.ready.shift();
      if (v !== undefined) return v;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private push(text: string, end: boolean): void {
    if (this.ended) return;
    this.buffered += text;
    const reader = new JsonReader(this.buffered);
    let used = 0;
    try {
      for (let v = reader.next(); v !== undefined; v = reader.next()) {
        this.ready.push(v);
        used = reader.offset;
      }
      used = reader.offset;
    } catch (err) {
      const incomplete = err instanceof GatewayDecodeError && err.message === 'unexpected EOF' && !end;
      if (!incomplete) {
        this.error = err instanceof GatewayDecodeError ? err : new GatewayDecodeError(String(err));
        end = true;
      }
    }
    this.buffered = this.buffered.slice(used);
    if (end) this.ended = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** The whole body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
