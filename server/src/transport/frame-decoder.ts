import { FrameTooLargeError } from './errors.js';
import { FRAME_HEADER_BYTES } from './wire.js';

/**
 * Cuts a byte stream into length-prefixed frames. Chunks are kept as they arrive and joined
 * once per frame, so a large frame spread over many network chunks is copied once, not once
 * per chunk.
 */
export class FrameDecoder {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  /** The payload length of the frame being read, once its header is in. */
  private need: number | undefined;

  constructor(private readonly maxFrameBytes: number) {}

  /** Adds bytes; returns every frame they complete, in order. */
  push(chunk: Buffer): Buffer[] {
    this.append(chunk);
    const frames: Buffer[] = [];
    for (;;) {
      const frame = this.next();
      if (frame === undefined) return frames;
      frames.push(frame);
    }
  }

  /** Adds bytes without cutting frames (read them with `next`). */
  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** The next whole frame, if its bytes are all in. */
  next(): Buffer | undefined {
    if (this.need === undefined) {
      if (this.size < FRAME_HEADER_BYTES) return undefined;
      const need = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
      if (need > this.maxFrameBytes) throw new FrameTooLargeError(`frame of ${need} bytes exceeds the limit of ${this.maxFrameBytes}`);
      this.need = need;
    }
    if (this.size < this.need) return undefined;
    const frame = this.take(this.need);
    this.need = undefined;
    return frame;
  }

  /** The bytes not yet cut into frames, removed from the decoder (call between frames). */
  drain(): Buffer {
    return this.take(this.size);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (n === 0 || first === undefined) return Buffer.alloc(0);
    this.size -= n;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0] as Buffer;
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}
