import { createHash } from 'node:crypto';
import { ConfChangeType, type ConfChangeV1 } from '../raft/index.js';
import type { ServerErrorKind } from './errors.js';
import { memberFromJson, type Membership } from './membership.js';
import type { MemberInfo } from './server-api.js';

/**
 * The id of a member added at runtime, as etcd makes it: SHA-1 over its sorted peer URLs and
 * the time in seconds (no cluster token), first 8 bytes big-endian. The time makes a member
 * re-added with the same URLs a new member.
 */
export function runtimeMemberId(peerUrls: readonly string[], nowMs: number): bigint {
  const h = createHash('sha1').update([...peerUrls].sort().join('')).update(String(Math.floor(nowMs / 1000))).digest();
  return h.readBigUInt64BE(0);
}

/** Peer URLs a client may give: absolute http(s) URLs with a host and a port, nothing else. */
export function validPeerUrls(urls: readonly string[]): boolean {
  if (urls.length === 0) return false;
  return urls.every((u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.port !== '' && (url.pathname === '/' || url.pathname === '') && url.search === '' && url.hash === '';
    } catch {
      return false;
    }
  });
}

/**
 * Whether a committed membership change can be applied to the current members (etcd's
 * ValidateConfigurationChange), and if not, which of etcd's errors says why. Every member
 * decides the same, since every member applies the same log to the same membership.
 */
export function checkConfChange(cc: ConfChangeV1, members: Membership, maxLearners: number): ServerErrorKind | undefined {
  const id = cc.nodeId;
  if (members.isRemoved(id)) return 'memberNotFound';
  const existing = members.get(id);
  switch (cc.type) {
    case ConfChangeType.AddNode:
    case ConfChangeType.AddLearnerNode: {
      const m = memberFromJson(Buffer.from(cc.context).toString());
      if (isPromotion(cc)) {
        if (existing === undefined) return 'memberNotFound';
        return existing.isLearner ? undefined : 'memberNotLearner';
      }
      if (existing !== undefined) return 'memberExist';
      if (urlTaken(members, m.peerUrls, id)) return 'peerUrlExist';
      if (cc.type === ConfChangeType.AddLearnerNode && members.list().filter((x) => x.isLearner).length >= maxLearners) return 'tooManyLearners';
      return undefined;
    }
    case ConfChangeType.RemoveNode:
      return existing === undefined ? 'memberNotFound' : undefined;
    case ConfChangeType.UpdateNode: {
      if (existing === undefined) return 'memberNotFound';
      const m = memberFromJson(Buffer.from(cc.context).toString());
      return urlTaken(members, m.peerUrls, id) ? 'peerUrlExist' : undefined;
    }
  }
}

/** Whether another member (any but `except`) already has one of these peer URLs. */
export function urlTaken(members: Membership, urls: readonly string[], except?: bigint): boolean {
  const want = new Set(urls);
  return members.list().some((m) => m.id !== except && m.peerUrls.some((u) => want.has(u)));
}

/**
 * A promotion is an AddNode whose context says so (as etcd's ConfigChangeContext.IsPromote):
 * a plain AddNode with a learner's id would otherwise be indistinguishable from it.
 */
export function promotionContext(memberJson: string): string {
  return `${memberJson.slice(0, -1)},"isPromote":true}`;
}

export function isPromotion(cc: ConfChangeV1): boolean {
  if (cc.type !== ConfChangeType.AddNode || cc.context.byteLength === 0) return false;
  return (JSON.parse(Buffer.from(cc.context).toString()) as { isPromote?: boolean }).isPromote === true;
}

/** The member a change carries in its context (adds, updates and promotions). */
export function memberOfChange(cc: ConfChangeV1): MemberInfo {
  return memberFromJson(Buffer.from(cc.context).toString());
}
