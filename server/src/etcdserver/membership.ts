import { type Backend, Bucket } from '../backend/index.js';
import type { MemberInfo } from './server-api.js';

/** The value etcd keeps in `cluster` for the cluster version; Cairn speaks etcd's 3.5 API. */
export const CLUSTER_VERSION = '3.5.0';
const CLUSTER_VERSION_KEY = Buffer.from('clusterVersion');

/**
 * A member as etcd encodes it in JSON (conf change contexts, the members bucket): the id as a
 * JSON number (a uint64, so written by hand: JavaScript numbers cannot hold it), then
 * peerURLs, name, clientURLs, and isLearner only when true.
 */
export function memberToJson(m: MemberInfo): string {
  const parts = [`"id":${m.id.toString()}`, `"peerURLs":${JSON.stringify(m.peerUrls)}`];
  if (m.name !== '') parts.push(`"name":${JSON.stringify(m.name)}`);
  if (m.clientUrls.length > 0) parts.push(`"clientURLs":${JSON.stringify(m.clientUrls)}`);
  if (m.isLearner) parts.push('"isLearner":true');
  return `{${parts.join(',')}}`;
}

export function memberFromJson(text: string): MemberInfo {
  // The id is quoted before parsing so that no digit of the uint64 is lost.
  const o = JSON.parse(text.replace(/"id"\s*:\s*(\d+)/, '"id":"$1"')) as { id?: string; peerURLs?: string[]; name?: string; clientURLs?: string[]; isLearner?: boolean };
  if (o.id === undefined) throw new SyntaxError(`member without an id: ${text}`);
  return { id: BigInt(o.id), name: o.name ?? '', peerUrls: o.peerURLs ?? [], clientUrls: o.clientURLs ?? [], isLearner: o.isLearner === true };
}

/**
 * The cluster's members, as committed conf changes made them, kept in the backend's `members`
 * bucket (key: the id in hex, value: the member's JSON) so a restart and a snapshot carry them.
 */
export class Membership {
  private readonly members = new Map<bigint, MemberInfo>();
  /** Removed ids, asked about for every message a peer sends: kept in memory. */
  private readonly removed = new Set<bigint>();

  constructor(private readonly backend: Backend) {
    this.reload();
  }

  /** Loads the members the backend holds (at start, and after a raft snapshot replaced it). */
  reload(): void {
    this.members.clear();
    this.removed.clear();
    for (const [k] of this.backend.range(Bucket.membersRemoved, new Uint8Array(0))) this.removed.add(BigInt(`0x${Buffer.from(k).toString()}`));
    for (const [, v] of this.backend.range(Bucket.members, new Uint8Array(0))) {
      const m = memberFromJson(Buffer.from(v).toString());
      this.members.set(m.id, m);
    }
  }

  add(m: MemberInfo): void {
    this.members.set(m.id, m);
    this.backend.put(Bucket.members, Buffer.from(m.id.toString(16)), Buffer.from(memberToJson(m)));
    if (this.backend.get(Bucket.cluster, CLUSTER_VERSION_KEY) === undefined) this.backend.put(Bucket.cluster, CLUSTER_VERSION_KEY, Buffer.from(CLUSTER_VERSION));
  }

  remove(id: bigint): void {
    this.members.delete(id);
    this.removed.add(id);
    this.backend.delete(Bucket.members, Buffer.from(id.toString(16)));
    this.backend.put(Bucket.membersRemoved, Buffer.from(id.toString(16)), Buffer.from('removed'));
  }

  get(id: bigint): MemberInfo | undefined {
    return this.members.get(id);
  }

  /** A member's published name and client URLs (etcd's attributes); unknown ids are ignored. */
  setAttributes(id: bigint, name: string, clientUrls: readonly string[]): void {
    const m = this.members.get(id);
    if (m !== undefined) this.add({ ...m, name, clientUrls: [...clientUrls] });
  }

  /** Whether `id` was removed from the cluster (its messages are refused from then on). */
  isRemoved(id: bigint): boolean {
    return this.removed.has(id);
  }

  /** Members ordered by id, as MemberList lists them. */
  list(): MemberInfo[] {
    return [...this.members.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
