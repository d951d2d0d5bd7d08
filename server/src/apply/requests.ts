import type { DeleteRangeRequest, PutRequest, TxnRequest } from '../mvcc/index.js';

export type AlarmAction = 'get' | 'activate' | 'deactivate';
export type AlarmKind = 'NONE' | 'NOSPACE' | 'CORRUPT';

/**
 * What a member proposes through raft and applies when committed: the writes of the v3 API
 * (ranges are served by ReadIndex, not proposed), and the member's own bookkeeping.
 */
export type MemberRequest =
  | { readonly kind: 'put'; readonly req: PutRequest }
  | { readonly kind: 'deleteRange'; readonly req: DeleteRangeRequest }
  | { readonly kind: 'txn'; readonly req: TxnRequest }
  | { readonly kind: 'compaction'; readonly revision: number; readonly physical: boolean }
  | { readonly kind: 'leaseGrant'; readonly id: bigint; readonly ttl: number }
  | { readonly kind: 'leaseRevoke'; readonly id: bigint }
  | { readonly kind: 'leaseCheckpoint'; readonly checkpoints: readonly { readonly id: bigint; readonly remainingTtl: number }[] }
  | { readonly kind: 'alarm'; readonly action: AlarmAction; readonly memberId: bigint; readonly alarm: AlarmKind }
  | { readonly kind: 'memberAttrSet'; readonly memberId: bigint; readonly name: string; readonly clientUrls: readonly string[] }
  | { readonly kind: 'unknown'; readonly what: string };
