import net from 'node:net';
import { Registry } from 'prom-client';
import { type Message, MessageType, index, message, nodeId, term } from '../../../server/src/raft/index.js';
import { type CairnPeerTransport, LeaseRefusal, PromoteRefusal, type LeaseTtl, type PeerMember, type PeerTransportOptions, type RaftHandler, createPeerTransport } from '../../../server/src/transport/index.js';

export const CLUSTER = 0x1c2d3e4f5a6b7c8dn;

/** A handler that records everything the transport hands it. */
export class RecordingHandler implements RaftHandler {
  readonly received: Message[] = [];
  readonly unreachable: bigint[] = [];
  readonly snapshotReports: { id: bigint; ok: boolean }[] = [];
  readonly snapshots: { msg: Message; bytes: Buffer }[] = [];
  readonly snapshotErrors: unknown[] = [];
  readonly removed = new Set<bigint>();
  /** Leases this handler renews (id → TTL); `leader` false refuses as a follower would. */
  readonly leases = new Map<bigint, number>();
  leader = true;
  /** What GET /members answers. */
  memberList: PeerMember[] = [];

  members(): readonly PeerMember[] {
    return this.memberList;
  }

  /** Peers that said this member was removed. */
  readonly removedBy: bigint[] = [];
  removedFromCluster(by: bigint): void {
    this.removedBy.push(by);
  }

  async leaseTimeToLive(id: bigint, keys: boolean): Promise<LeaseTtl> {
    const ttl = await this.renewLease(id);
    return { ttl: ttl - 1, grantedTtl: ttl, keys: keys ? [Buffer.from('k1'), Buffer.from([0, 255])] : [] };
  }

  /** Promotions forwarded to this member; it refuses unless it leads, as the real one does. */
  readonly promoted: bigint[] = [];
  async promoteMember(id: bigint): Promise<void> {
    if (!this.leader) throw new PromoteRefusal('notLeader');
    if (id === 0xbadn) throw new PromoteRefusal('notReady');
    this.promoted.push(id);
  }

  async renewLease(id: bigint): Promise<number> {
    if (!this.leader) throw new LeaseRefusal('notLeader');
    const ttl = this.leases.get(id);
    if (ttl === undefined) throw new LeaseRefusal('notFound');
    return ttl;
  }

  process(msg: Message): void {
    this.received.push(msg);
  }
  isRemoved(id: bigint): boolean {
    return this.removed.has(id);
  }
  reportUnreachable(id: bigint): void {
    this.unreachable.push(id);
  }
  reportSnapshot(id: bigint, ok: boolean): void {
    this.snapshotReports.push({ id, ok });
  }
  async receiveSnapshot(msg: Message, db: AsyncIterable<Uint8Array>): Promise<void> {
    const parts: Buffer[] = [];
    try {
      for await (const chunk of db) parts.push(Buffer.from(chunk));
    } catch (err) {
      this.snapshotErrors.push(err);
      throw err;
    }
    this.snapshots.push({ msg, bytes: Buffer.concat(parts) });
  }
  from(id: bigint): Message[] {
    return this.received.filter((m) => m.from === id);
  }
}

export interface Member {
  readonly id: bigint;
  readonly handler: RecordingHandler;
  readonly registry: Registry;
  readonly transport: CairnPeerTransport;
  url(): string;
}

export async function startMember(id: bigint, opts: Partial<PeerTransportOptions> = {}, handler = new RecordingHandler()): Promise<Member> {
  const registry = new Registry();
  const transport = createPeerTransport({
    memberId: id,
    clusterId: CLUSTER,
    listenUrls: ['http://127.0.0.1:0'],
    handler,
    metrics: { registry },
    backoff: { initialMs: 20, maxMs: 200 },
    probeIntervalMs: 200,
    ...opts,
  });
  await transport.start();
  return { id, handler, registry, transport, url: () => transport.listenUrls()[0] as string };
}

/** Waits for `cond` to hold, failing after `ms` with `what` in the message. */
export async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits for an async reading to satisfy `pred`; returns the last reading. */
export async function waitForValue(what: string, read: () => Promise<number>, pred: (v: number) => boolean, ms = 10_000): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (pred(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last ${v})`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A value of one labelled series in a registry, 0 when absent. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string>, suffix = ''): Promise<number> {
  const json = await registry.getMetricsAsJSON();
  const m = json.find((x) => x.name === name);
  const wanted = (m?.values ?? []) as { value: number; labels: Record<string, string | number>; metricName?: string }[];
  const v = wanted.find(
    (x) => (suffix === '' || x.metricName === `${name}${suffix}`) && Object.entries(labels).every(([k, want]) => String(x.labels[k]) === want),
  );
  return v?.value ?? 0;
}

/** One message of every type that travels between members, numbered by `seq` in its index. */
export function messageOfType(type: MessageType, from: bigint, to: bigint, seq: number): Message {
  return message({
    type,
    from: nodeId(from),
    to: nodeId(to),
    term: term(3),
    logTerm: term(2),
    index: index(seq),
    commit: index(seq > 0 ? seq - 1 : 0),
    entries: type === MessageType.MsgApp || type === MessageType.MsgProp ? [{ term: term(3), index: index(seq), type: 0, data: Buffer.from(`e${seq}`) }] : [],
    reject: type === MessageType.MsgAppResp && seq % 2 === 0,
    rejectHint: index(seq % 7),
    context: type === MessageType.MsgReadIndex || type === MessageType.MsgHeartbeat ? Buffer.from(`ctx${seq}`) : new Uint8Array(0),
  });
}

/** A TCP proxy that forwards client→server bytes through `transform` (for corrupting a stream). */
export async function startProxy(target: string, transform: (chunk: Buffer) => Buffer): Promise<{ url: string; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.on('data', (c: Buffer) => upstream.write(transform(c)));
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
