import http2 from 'node:http2';
import { PeerRefusedError, TransportError } from './errors.js';
import type { TransportContext } from './context.js';
import { LEASE_PATH, peerHeaders } from './wire.js';

/**
 * A follower's lease keep-alive, forwarded to the leader (only the leader renews leases, as in
 * etcd): POST /leases with the lease id as 8 bytes big-endian; the answer is the TTL the lease
 * was renewed for, 8 bytes big-endian, or a refusal (404: no such lease; 503: not the leader).
 * One HTTP/2 session per URL is kept for these requests.
 */
export class LeaseRequests {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();

  constructor(private readonly ctx: TransportContext) {}

  async renew(to: bigint, urls: readonly string[], id: bigint): Promise<number> {
    let last: unknown;
    for (const url of urls) {
      try {
        return await this.renewAt(url, to, id);
      } catch (err) {
        if (err instanceof PeerRefusedError) throw err;
        last = err;
      }
    }
    throw new TransportError(`cannot reach member ${to.toString(16)} to renew lease ${id.toString(16)}`, { cause: last });
  }

  close(): void {
    for (const s of this.sessions.values()) s.destroy();
    this.sessions.clear();
  }

  private session(url: string): http2.ClientHttp2Session {
    let s = this.sessions.get(url);
    if (s === undefined || s.closed || s.destroyed) {
      s = http2.connect(url);
      s.on('error', () => undefined);
      s.on('close', () => {
        if (this.sessions.get(url) === s) this.sessions.delete(url);
      });
      s.unref();
      this.sessions.set(url, s);
    }
    return s;
  }

  private renewAt(url: string, to: bigint, id: bigint): Promise<number> {
    return new Promise((resolve, reject) => {
      const body = Buffer.alloc(8);
      body.writeBigInt64BE(BigInt.asIntN(64, id));
      const req = this.session(url).request({ ':method': 'POST', ':path': LEASE_PATH, ...peerHeaders(this.ctx.clusterId, this.ctx.memberId, to) });
      req.setTimeout(this.ctx.dialTimeoutMs * 5, () => req.close(http2.constants.NGHTTP2_CANCEL));
      let status = 0;
      const chunks: Buffer[] = [];
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', reject);
      req.on('close', () => {
        const answer = Buffer.concat(chunks);
        if (status === 200 && answer.length === 8) resolve(Number(answer.readBigInt64BE()));
        else if (status !== 0) reject(new PeerRefusedError(status, answer.toString()));
        else reject(new TransportError(`no answer from ${url}`));
      });
      req.end(body);
    });
  }
}
