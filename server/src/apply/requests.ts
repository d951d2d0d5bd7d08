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
  | { readonly kind: 'auth'; readonly op: AuthOp }
  | { readonly kind: 'unknown'; readonly what: string };

/** Permission types as authpb numbers them. */
export type AuthPermType = 'READ' | 'WRITE' | 'READWRITE';

/**
 * The Auth service's requests, proposed through raft as etcd 3.4 does (reads too, so they are
 * linearizable). Passwords travel only as bcrypt hashes made by the member that took the
 * request (etcd 3.5's hashedPassword); Authenticate carries the token prefix that member drew.
 */
export type AuthOp =
  | { readonly op: 'enable' }
  | { readonly op: 'disable' }
  | { readonly op: 'authenticate'; readonly name: string; readonly simpleToken: string }
  | { readonly op: 'userAdd'; readonly name: string; readonly hashedPassword: string; readonly noPassword: boolean }
  | { readonly op: 'userDelete'; readonly name: string }
  | { readonly op: 'userChangePassword'; readonly name: string; readonly hashedPassword: string }
  | { readonly op: 'userGrantRole'; readonly user: string; readonly role: string }
  | { readonly op: 'userRevokeRole'; readonly name: string; readonly role: string }
  | { readonly op: 'userGet'; readonly name: string }
  | { readonly op: 'userList' }
  | { readonly op: 'roleAdd'; readonly name: string }
  | { readonly op: 'roleDelete'; readonly role: string }
  | { readonly op: 'roleGet'; readonly role: string }
  | { readonly op: 'roleList' }
  | { readonly op: 'roleGrantPermission'; readonly name: string; readonly permType: AuthPermType; readonly key: Uint8Array; readonly rangeEnd: Uint8Array }
  | { readonly op: 'roleRevokePermission'; readonly role: string; readonly key: Uint8Array; readonly rangeEnd: Uint8Array };
