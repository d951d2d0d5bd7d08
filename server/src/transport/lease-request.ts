import http2 from 'node:http2';
import { PeerRefusedError, TransportError } from './errors.js';
import type { TransportContext } from './context.js';
import type { LeaseTtl } from './types.js';
import { LEASE_PATH, LEASE_TTL_PATH, PROMOTE_PATH, peerHeaders } from './wire.js';

/**
 * Lease requests a follower forwards to the leader (only the leader knows when leases expire, as
 * in etcd). A keep-alive: POST /leases with the lease id as 8 bytes big-endian; the answer is the
 * TTL the lease was renewed for, 8 bytes big-endian. A time-to-live question: POST
 * /leases/internal with the id and one byte (1: with keys); the answer is JSON {ttl, grantedTtl,
 * keys (base64)}. Refusals: 404 no such lease, 503 not the leader. One HTTP/2 session per URL.
 * The same way, a follower forwards a member promotion: POST /members/promote with the learner's
 * id; an empty 200 once the leader applied it (refusals: see PROMOTE_REFUSAL_STATUS).
 */
export class LeaseRequests {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();

  constructor(private readonly ctx: TransportContext) {}

  async renew(to: bigint, urls: readonly string[], id: bigint): Promise<number> {
    const answer = await this.ask(to, urls, LEASE_PATH, idBytes(id), `renew lease ${id.toString(16)}`);
    if (answer.length !== 8) throw new TransportError(`a keep-alive answer of ${answer.length} bytes`);
    return Number(answer.readBigInt64BE());
  }

  async timeToLive(to: bigint, urls: readonly string[], id: bigint, keys: boolean): Promise<LeaseTtl> {
    const body = Buffer.concat([idBytes(id), Buffer.from([keys ? 1 : 0])]);
    const answer = await this.ask(to, urls, LEASE_TTL_PATH, body, `ask the time to live of lease ${id.toString(16)}`);
    const j = JSON.parse(answer.toString()) as { ttl: number; grantedTtl: number; keys: string[] };
    return { ttl: j.ttl, grantedTtl: j.grantedTtl, keys: j.keys.map((k) => Buffer.from(k, 'base64')) };
  }

  async promote(to: bigint, urls: readonly string[], id: bigint): Promise<void> {
    await this.ask(to, urls, PROMOTE_PATH, idBytes(id), `promote member ${id.toString(16)}`);
  }

  private async ask(to: bigint, urls: readonly string[], path: string, body: Buffer, what: string): Promise<Buffer> {
    let last: unknown;
    for (const url of urls) {
      try {
        return await this.askAt(url, to, path, body);
      } catch (err) {
        if (err instanceof PeerRefusedError) throw err;
        last = err;
      }
    }
    throw new TransportError(`cannot reach member ${to.toString(16)} to ${what}`, { cause: last });
  }

  close(): void {
    for (const s of this.sessions.values()) s.destroy();
    this.sessions.clear();
  }

  private session(url: string): http2.ClientHttp2Session {
    let s = this.sessions.get(url);
    if (s === undefined || s.closed || s.destroyed) {
      s = this.ctx.connect(url);
      s.on('error', () => undefined);
      s.on('close', () => {
        if (this.sessions.get(url) === s) this.sessions.delete(url);
      });
      s.unref();
      this.sessions.set(url, s);
    }
    return s;
  }

  private askAt(url: string, to: bigint, path: string, body: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const req = this.session(url).request({ ':method': 'POST', ':path': path, ...peerHeaders(this.ctx.clusterId, this.ctx.memberId, to) });
      req.setTimeout(this.ctx.dialTimeoutMs * 5, () => req.close(http2.constants.NGHTTP2_CANCEL));
      let status = 0;
      const chunks: Buffer[] = [];
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', reject);
      req.on('close', () => {
        const answer = Buffer.concat(chunks);
        if (status === 200) resolve(answer);
        else if (status !== 0) reject(new PeerRefusedError(status, answer.toString()));
        else reject(new TransportError(`no answer from ${url}`));
      });
      req.end(body);
    });
  }
}

function idBytes(id: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt.asIntN(64, id));
  return b;
}
