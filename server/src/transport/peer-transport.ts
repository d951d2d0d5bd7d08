import type { Registry } from 'prom-client';
import type { Message } from '../raft/index.js';
import { type Logger, nopLogger } from '../util/index.js';
import { type TransportContext, later } from './context.js';
import { TransportError } from './errors.js';
import { type PeerTlsOptions, connectPeer } from './peer-tls.js';
import { TransportMetrics } from './metrics.js';
import { LeaseRequests } from './lease-request.js';
import { PeerSender } from './peer-sender.js';
import { PeerServer } from './peer-server.js';
import type { LeaseTtl, OutgoingSnapshot, PeerTransport, RaftHandler } from './types.js';
import { formatId, parsePeerUrl } from './wire.js';

export interface PeerTransportOptions {
  readonly memberId: bigint;
  readonly clusterId: bigint;
  /** http://host:port; port 0 binds a free port (see `listenUrls()` after start). */
  readonly listenUrls: readonly string[];
  readonly handler: RaftHandler;
  readonly metrics?: { readonly registry: Registry };
  readonly logger?: Logger;
  /** How long a dial may wait for the peer to accept the stream. Default 1000 ms. */
  readonly dialTimeoutMs?: number;
  /** Messages waiting per peer before new ones are dropped. Default 4096. */
  readonly queueSize?: number;
  /** Reconnection backoff, doubling from initialMs to maxMs. Default 50 ms to 1 s. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Interval of the round-trip probes (etcd_network_peer_round_trip_time_seconds). Default 1000 ms. */
  readonly probeIntervalMs?: number;
  /** Largest raft message accepted from a peer. Default 512 MiB. */
  readonly maxFrameBytes?: number;
  readonly tls?: PeerTlsOptions;
}

/** A PeerTransport that also tells where it listens (useful with port 0). */
export interface CairnPeerTransport extends PeerTransport {
  /** The URLs bound by start(), in the order of `listenUrls`. */
  listenUrls(): readonly string[];
}

export function createPeerTransport(opts: PeerTransportOptions): CairnPeerTransport {
  for (const u of opts.listenUrls) parsePeerUrl(u);
  const tls = opts.tls;
  const ctx: TransportContext = {
    memberId: opts.memberId,
    clusterId: opts.clusterId,
    handler: opts.handler,
    metrics: new TransportMetrics(opts.metrics?.registry),
    logger: (opts.logger ?? nopLogger).child({ component: 'transport', 'local-member-id': formatId(opts.memberId) }),
    dialTimeoutMs: opts.dialTimeoutMs ?? 1000,
    queueSize: opts.queueSize ?? 4096,
    backoff: opts.backoff ?? { initialMs: 50, maxMs: 1000 },
    probeIntervalMs: opts.probeIntervalMs ?? 1000,
    maxFrameBytes: opts.maxFrameBytes ?? 512 * 1024 * 1024,
    tls,
    connect: (url) => connectPeer(url, tls),
  };
  return new Transport(ctx, opts.listenUrls);
}

/** The member's peer network: one server per listen URL, one sender per peer. */
class Transport implements CairnPeerTransport {
  private readonly servers: PeerServer[] = [];
  private readonly peers = new Map<bigint, PeerSender>();
  private readonly peerUrls = new Map<bigint, readonly string[]>();
  private readonly leases: LeaseRequests;
  private bound: string[] = [];
  private closed: Promise<void> | undefined;

  constructor(
    private readonly ctx: TransportContext,
    private readonly urls: readonly string[],
  ) {
    this.leases = new LeaseRequests(ctx);
  }

  renewLease(to: bigint, id: bigint): Promise<number> {
    const urls = this.peerUrls.get(to);
    if (urls === undefined) return Promise.reject(new TransportError(`member ${formatId(to)} is not a peer`));
    return this.leases.renew(to, urls, id);
  }

  leaseTimeToLive(to: bigint, id: bigint, keys: boolean): Promise<LeaseTtl> {
    const urls = this.peerUrls.get(to);
    if (urls === undefined) return Promise.reject(new TransportError(`member ${formatId(to)} is not a peer`));
    return this.leases.timeToLive(to, urls, id, keys);
  }

  promoteMember(to: bigint, id: bigint): Promise<void> {
    const urls = this.peerUrls.get(to);
    if (urls === undefined) return Promise.reject(new TransportError(`member ${formatId(to)} is not a peer`));
    return this.leases.promote(to, urls, id);
  }

  async start(): Promise<void> {
    if (this.closed !== undefined) throw new TransportError('transport is closed');
    for (const url of this.urls) {
      const server = new PeerServer(this.ctx, parsePeerUrl(url).https);
      this.servers.push(server);
      this.bound.push(await server.listen(url));
    }
  }

  listenUrls(): readonly string[] {
    return this.bound;
  }

  send(msgs: readonly Message[]): void {
    for (const m of msgs) {
      const peer = this.peers.get(m.to);
      if (peer !== undefined) peer.send(m);
      else this.ctx.logger.debug('dropped message to unknown peer', { 'remote-peer-id': formatId(m.to), type: m.type });
    }
  }

  sendSnapshot(snap: OutgoingSnapshot): void {
    const peer = this.peers.get(snap.msg.to);
    if (peer !== undefined) {
      peer.sendSnapshot(snap);
      return;
    }
    this.ctx.logger.warn('snapshot to unknown peer dropped', { 'remote-peer-id': formatId(snap.msg.to) });
    later(() => this.ctx.handler.reportSnapshot(snap.msg.to, false));
  }

  addPeer(id: bigint, urls: readonly string[]): void {
    for (const u of urls) parsePeerUrl(u);
    if (this.closed !== undefined || this.peers.has(id) || id === this.ctx.memberId) return;
    this.peers.set(id, new PeerSender(id, urls, this.ctx));
    this.peerUrls.set(id, [...urls]);
  }

  updatePeer(id: bigint, urls: readonly string[]): void {
    for (const u of urls) parsePeerUrl(u);
    this.peers.get(id)?.updateUrls(urls);
    if (this.peerUrls.has(id)) this.peerUrls.set(id, [...urls]);
  }

  removePeer(id: bigint): void {
    const peer = this.peers.get(id);
    if (peer === undefined) return;
    peer.close();
    this.peers.delete(id);
    this.peerUrls.delete(id);
    this.ctx.metrics.activePeers.remove({ Local: formatId(this.ctx.memberId), Remote: formatId(id) });
  }

  activePeers(): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.active) n++;
    return n;
  }

  isActive(id: bigint): boolean {
    return this.peers.get(id)?.active === true;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      for (const p of this.peers.values()) p.close();
      this.peers.clear();
      this.leases.close();
      await Promise.all(this.servers.map((s) => s.close()));
    })();
    return this.closed;
  }
}
