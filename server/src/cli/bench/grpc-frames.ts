// The 5-byte message prefix is the same both ways: the client uses the server's framing.
export { frameMessage } from '../../api/grpc/index.js';

/**
 * Splits an HTTP/2 DATA stream into gRPC messages. Chunks may end anywhere (inside the header or
 * the body); a message is handed on only once whole. Compressed messages are refused, since the
 * client never offers an encoding.
 */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly onMessage: (body: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= 5) {
      const head = this.peek(5);
      if (head[0] !== 0) throw new Error('compressed gRPC message received without a negotiated encoding');
      const len = head.readUInt32BE(1);
      if (this.pendingBytes < 5 + len) return;
      const all = this.take(5 + len);
      this.onMessage(all.subarray(5));
    }
  }

  /** Bytes received that do not yet form a whole message (non-zero at the end means truncation). */
  get leftover(): number {
    return this.pendingBytes;
  }

  private peek(n: number): Buffer {
    const first = this.pending[0];
    if (first !== undefined && first.length >= n) return first;
    const joined = Buffer.concat(this.pending);
    this.pending = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const buf = this.peek(n);
    const rest = buf.subarray(n);
    // peek() left the bytes in pending[0]; later chunks stay queued behind the rest of it.
    if (rest.length > 0) this.pending[0] = rest;
    else this.pending.shift();
    this.pendingBytes -= n;
    return buf.subarray(0, n);
  }
}
