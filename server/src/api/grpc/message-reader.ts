import { Status } from './status.js';
import { GrpcError } from './errors.js';

/** Receives each complete message (an object rather than a callback: no closure per chunk). */
export interface MessageSink {
  onMessage(message: Buffer, compressed: boolean): void;
}

/**
 * Splits a request body into gRPC messages: each is a 1-byte compressed flag, a 4-byte big-endian
 * length, then the bytes. HTTP/2 DATA frames cut messages anywhere, so the reader keeps the
 * partial prefix and body between chunks. When a chunk holds a whole message (the usual case for
 * small requests) the message is a view of the chunk: no copy.
 *
 * A declared length above `maxLength` fails at once, before any of the body is buffered, with
 * grpc-go's RESOURCE_EXHAUSTED text.
 */
export class MessageReader {
  /** A prefix split across chunks collects here (made only when that happens). */
  private prefix: Buffer | undefined;
  private prefixHave = 0;
  /** Body bytes still expected for the current message; -1 while reading a prefix. */
  private need = -1;
  private compressed = false;
  private parts: Buffer[] = [];
  private have = 0;

  constructor(private readonly maxLength: number) {}

  /** True when the body ended in the middle of a message. */
  get partial(): boolean {
    return this.prefixHave > 0 || this.need >= 0;
  }

  /** Feeds one chunk of the body; `sink` gets each complete message, in order. */
  push(chunk: Buffer, sink: MessageSink): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.need < 0) {
        off = this.readPrefix(chunk, off);
        if (this.need < 0) return;
        if (this.need === 0) {
          this.emit(Buffer.alloc(0), sink);
          continue;
        }
        if (chunk.length - off >= this.need) {
          const end = off + this.need;
          this.emit(chunk.subarray(off, end), sink);
          off = end;
          continue;
        }
      }
      const take = Math.min(this.need - this.have, chunk.length - off);
      this.parts.push(chunk.subarray(off, off + take));
      this.have += take;
      off += take;
      if (this.have === this.need) {
        const whole = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.have);
        this.parts = [];
        this.have = 0;
        this.emit(whole, sink);
      }
    }
  }

  /** Reads (the rest of) a prefix from chunk at off; sets `need` once the prefix is whole. */
  private readPrefix(chunk: Buffer, off: number): number {
    let flag: number;
    let length: number;
    if (this.prefixHave === 0 && chunk.length - off >= 5) {
      flag = chunk[off] as number;
      length = chunk.readUInt32BE(off + 1);
      off += 5;
    } else {
      const take = Math.min(5 - this.prefixHave, chunk.length - off);
      const prefix = (this.prefix ??= Buffer.alloc(5));
      chunk.copy(prefix, this.prefixHave, off, off + take);
      this.prefixHave += take;
      off += take;
      if (this.prefixHave < 5) return off;
      this.prefixHave = 0;
      flag = prefix[0] as number;
      length = prefix.readUInt32BE(1);
    }
    if (flag > 1) throw new GrpcError(Status.INTERNAL, `grpc: received unexpected payload format ${flag}`);
    if (length > this.maxLength) {
      throw new GrpcError(Status.RESOURCE_EXHAUSTED, `grpc: received message larger than max (${length} vs. ${this.maxLength})`);
    }
    this.compressed = flag === 1;
    this.need = length;
    return off;
  }

  private emit(message: Buffer, sink: MessageSink): void {
    this.need = -1;
    sink.onMessage(message, this.compressed);
  }
}
