// The network between the members of a test cluster: one PeerProxy in front of each member's
// peer listener, all obeying one set of cuts, so a test can partition, isolate and heal.
import type { MemberSpec } from './cluster-harness.js';
import { freePort } from './cluster-process.js';
import { type LinkPolicy, PeerProxy } from './peer-proxy.js';

/** A member id: a bigint, or a string as BigInt() reads it (decimal as etcdctl prints, or 0x-hex). */
export type MemberIdLike = bigint | string;

const toId = (id: MemberIdLike): bigint => (typeof id === 'bigint' ? id : BigInt(id));
const linkKey = (from: bigint, to: bigint): string => `${from.toString(16)}>${to.toString(16)}`;

/**
 * Owns one proxy per member. `specs` are the members' specs with `listenPeer` set: each member
 * listens there and advertises its original peer URL, where its proxy listens. Cuts are by
 * member id (learnt from the x-cairn-* headers), so they hold whoever dials whom.
 */
export class PeerNetwork implements LinkPolicy {
  private readonly cuts = new Set<string>();
  private readonly isolated = new Set<bigint>();
  private readonly slow = new Map<bigint, number>();
  private readonly flapping = new Set<bigint>();
  private readonly proxies: PeerProxy[] = [];

  private constructor(readonly specs: readonly MemberSpec[]) {}

  /** Proxies for these members, listening; a spec without listenPeer gets one on its host and a free port. */
  static async start(specs: readonly MemberSpec[]): Promise<PeerNetwork> {
    const withListen: MemberSpec[] = [];
    for (const s of specs) {
      if (s.listenPeer !== undefined) withListen.push(s);
      else withListen.push({ ...s, listenPeer: `http://${new URL(s.peer).hostname}:${await freePort()}` });
    }
    const net = new PeerNetwork(withListen);
    for (const s of withListen) {
      const proxy = new PeerProxy(s.peer, s.listenPeer ?? s.peer, net);
      await proxy.listen();
      net.proxies.push(proxy);
    }
    return net;
  }

  /** The proxy in front of the i-th member (tests of the proxy look at its counts). */
  proxy(i: number): PeerProxy {
    const p = this.proxies[i];
    if (p === undefined) throw new Error(`no proxy ${i}`);
    return p;
  }

  isCut(from: bigint, to: bigint): boolean {
    return this.isolated.has(from) || this.isolated.has(to) || this.cuts.has(linkKey(from, to));
  }

  isIsolated(to: bigint): boolean {
    return this.isolated.has(to);
  }

  delayMs(from: bigint | undefined, to: bigint | undefined): number {
    return Math.max(from === undefined ? 0 : (this.slow.get(from) ?? 0), to === undefined ? 0 : (this.slow.get(to) ?? 0));
  }

  isDropped(from: bigint | undefined, to: bigint | undefined): boolean {
    return (from !== undefined && this.flapping.has(from)) || (to !== undefined && this.flapping.has(to));
  }

  /** Holds everything the member sends or receives for `ms` on the way (until heal). */
  delay(id: MemberIdLike, ms: number): void {
    this.slow.set(toId(id), ms);
  }

  /** Resets the member's peer connections whenever they carry anything (until heal). */
  drop(id: MemberIdLike): void {
    this.flapping.add(toId(id));
    this.enforce();
  }

  /** Cuts the directed link from → to (everything `from` sends to `to`, and the answers to it). */
  cut(from: MemberIdLike, to: MemberIdLike): void {
    this.cuts.add(linkKey(toId(from), toId(to)));
    this.enforce();
  }

  /** Cuts every link, both ways, between members of different groups; links within a group stay. */
  partition(groups: readonly (readonly MemberIdLike[])[]): void {
    const ids = groups.map((g) => g.map(toId));
    ids.forEach((g, i) =>
      ids.forEach((h, j) => {
        if (i === j) return;
        for (const a of g) for (const b of h) this.cuts.add(linkKey(a, b));
      }),
    );
    this.enforce();
  }

  /** Cuts the member off from everyone, both ways, including requests of unknown senders to it. */
  isolate(id: MemberIdLike): void {
    this.isolated.add(toId(id));
    this.enforce();
  }

  /** Restores every link; black-holed streams are reset so their senders redial at once. */
  heal(): void {
    this.cuts.clear();
    this.isolated.clear();
    this.slow.clear();
    this.flapping.clear();
    for (const p of this.proxies) p.releaseHeld();
  }

  async close(): Promise<void> {
    await Promise.all(this.proxies.map((p) => p.close()));
  }

  private enforce(): void {
    for (const p of this.proxies) p.enforce();
  }
}
