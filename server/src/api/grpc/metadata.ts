import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';

export type MetadataValue = string | Buffer;

/**
 * Headers that belong to the gRPC protocol or to HTTP/2 rather than to the application: they are
 * left out of a call's metadata and may not be set by a handler.
 */
const RESERVED = new Set(['content-type', 'te', 'grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'grpc-status', 'grpc-message', 'grpc-status-details-bin', 'grpc-message-type', 'connection', 'host']);

/**
 * gRPC metadata: lower-case keys, each with one or more values. Keys ending in `-bin` carry
 * binary values (Buffers), which travel base64-encoded.
 */
export class Metadata {
  private readonly map = new Map<string, MetadataValue[]>();

  /** Metadata from a request's headers; `-bin` values are base64-decoded. */
  static fromHeaders(headers: IncomingHttpHeaders): Metadata {
    const md = new Metadata();
    for (const key of Object.keys(headers)) {
      if (key.charCodeAt(0) === 0x3a || RESERVED.has(key)) continue;
      const raw = headers[key];
      if (raw === undefined) continue;
      const values = Array.isArray(raw) ? raw : [raw];
      for (const value of values) {
        if (key.endsWith('-bin')) {
          // node:http2 joins repeated headers with ", "; base64 has no comma, so split them back.
          for (const part of value.split(',')) md.add(key, Buffer.from(part.trim(), 'base64'));
        } else {
          md.add(key, value);
        }
      }
    }
    return md;
  }

  /** The first value of a key. */
  get(key: string): MetadataValue | undefined {
    return this.map.get(key.toLowerCase())?.[0];
  }

  getAll(key: string): readonly MetadataValue[] {
    return this.map.get(key.toLowerCase()) ?? [];
  }

  has(key: string): boolean {
    return this.map.has(key.toLowerCase());
  }

  keys(): string[] {
    return [...this.map.keys()];
  }

  set(key: string, value: MetadataValue): this {
    this.map.set(checkKey(key, value), [value]);
    return this;
  }

  add(key: string, value: MetadataValue): this {
    const k = checkKey(key, value);
    const values = this.map.get(k);
    if (values === undefined) this.map.set(k, [value]);
    else values.push(value);
    return this;
  }

  /** Copies the entries into outgoing headers (binary values base64-encoded). */
  copyInto(headers: OutgoingHttpHeaders): void {
    for (const [key, values] of this.map) {
      if (RESERVED.has(key)) continue;
      const encoded = values.map((v) => (typeof v === 'string' ? v : v.toString('base64')));
      headers[key] = encoded.length === 1 ? encoded[0] : encoded;
    }
  }
}

/** Normalises a key and checks the value's kind matches it (`-bin` ⇔ Buffer). */
function checkKey(key: string, value: MetadataValue): string {
  const k = key.toLowerCase();
  if (!/^[0-9a-z_.-]+$/.test(k)) throw new TypeError(`invalid metadata key ${JSON.stringify(key)}`);
  if (k.endsWith('-bin') !== Buffer.isBuffer(value)) {
    throw new TypeError(`metadata key ${JSON.stringify(key)}: binary values belong exactly under keys ending in -bin`);
  }
  return k;
}
