// The links between members, which faults partition and heal. Cairn's peers speak HTTP/2 with
// x-cairn-from/x-cairn-to headers, so the e2e PeerNetwork (an h2c proxy) cuts them; etcd's
// rafthttp speaks HTTP/1.1 and names its sender in X-Server-From, so a TCP proxy that reads the
// first request's headers can tell whose connection it carries (etcdPeerLinks below).
import type { MemberSpec } from '../../e2e/cluster-harness.js';
import { PeerNetwork } from '../../e2e/peer-network.js';
import { TcpProxy, type LinkMode } from './tcp-proxy.js';

/** Directed links between members by id; everything a fault needs. */
export interface PeerLinks {
  /** Cuts every link between members of different groups, both ways. */
  partition(groups: readonly (readonly bigint[])[]): void;
  /** Cuts the member off from everyone, both ways. */
  isolate(id: bigint): void;
  /** Delays (ms per chunk, order kept) or drops (resets) every link of the member, until heal. */
  degrade(id: bigint, mode: { readonly kind: 'delay'; readonly ms: number } | { readonly kind: 'drop' }): void;
  heal(): void;
  close(): Promise<void>;
}

/** Cairn: one h2c proxy per member (specs must carry listenPeer). */
export async function cairnPeerLinks(specs: readonly MemberSpec[]): Promise<PeerLinks> {
  const net = await PeerNetwork.start(specs);
  return {
    partition: (groups) => net.partition(groups),
    isolate: (id) => net.isolate(id),
    degrade: (id, mode) => (mode.kind === 'delay' ? net.delay(id, mode.ms) : net.drop(id)),
    heal: () => net.heal(),
    close: () => net.close(),
  };
}

const BLACKHOLE: LinkMode = { kind: 'blackhole' };
const PASS: LinkMode = { kind: 'pass' };

/** etcd's sender id from an HTTP/1.1 request head, as the decimal string of its hex id. */
function etcdSender(head: string): string | undefined {
  const m = /\r\nX-Server-From: *([0-9a-fA-F]{1,16})\r\n/i.exec(head);
  return m?.[1] === undefined ? undefined : BigInt(`0x${m[1]}`).toString();
}

class EtcdPeerLinks implements PeerLinks {
  private readonly cuts = new Set<string>();
  private readonly isolated = new Set<string>();
  private readonly degraded = new Map<string, LinkMode>();
  readonly proxies: TcpProxy[] = [];

  /** Adds the proxy in front of the member `to` (its id is learnt later: `ids` maps spec index → id). */
  add(spec: MemberSpec, ids: () => readonly (bigint | undefined)[], index: number): TcpProxy {
    const listen = new URL(spec.peer);
    const target = new URL(spec.listenPeer ?? spec.peer);
    const proxy = new TcpProxy(listen.hostname, Number(listen.port), target.hostname, Number(target.port), {
      identify: etcdSender,
      modeFor: (from) => this.mode(from, ids()[index]?.toString()),
    });
    this.proxies.push(proxy);
    return proxy;
  }

  private mode(from: string | undefined, to: string | undefined): LinkMode {
    if (to === undefined) return PASS;
    if (this.isolated.has(to)) return BLACKHOLE;
    if (from === undefined) return this.degraded.get(to) ?? PASS;
    if (this.isolated.has(from) || this.cuts.has(`${from}>${to}`)) return BLACKHOLE;
    return this.degraded.get(from) ?? this.degraded.get(to) ?? PASS;
  }

  degrade(id: bigint, mode: LinkMode): void {
    this.degraded.set(id.toString(), mode);
    for (const p of this.proxies) p.reevaluate();
  }

  partition(groups: readonly (readonly bigint[])[]): void {
    groups.forEach((g, i) =>
      groups.forEach((h, j) => {
        if (i !== j) for (const a of g) for (const b of h) this.cuts.add(`${a}>${b}`);
      }),
    );
    this.enforce();
  }

  isolate(id: bigint): void {
    this.isolated.add(id.toString());
    this.enforce();
  }

  heal(): void {
    this.cuts.clear();
    this.isolated.clear();
    this.degraded.clear();
    for (const p of this.proxies) p.reevaluate();
  }

  async close(): Promise<void> {
    await Promise.all(this.proxies.map((p) => p.close()));
  }

  /** Open connections of links just cut are dropped, as a dying path drops them; new ones stall. */
  private enforce(): void {
    for (const p of this.proxies) p.dropBlackholed();
  }
}

/**
 * etcd: a TCP proxy per member on its advertised peer URL, forwarding to listenPeer. `ids()`
 * gives the member ids by spec index once known (before that, links pass).
 */
export async function etcdPeerLinks(specs: readonly MemberSpec[], ids: () => readonly (bigint | undefined)[]): Promise<PeerLinks> {
  const links = new EtcdPeerLinks();
  for (const [i, s] of specs.entries()) await links.add(s, ids, i).listen();
  return links;
}
