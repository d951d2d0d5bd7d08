import { UnknownBucketError } from './errors.js';

/**
 * The buckets of etcd 3.4's bbolt backend, with etcd's names. Each is an LMDB named
 * database; callers store etcd's own encodings in them.
 */
export const Bucket = {
  key: 'key',
  meta: 'meta',
  lease: 'lease',
  alarm: 'alarm',
  cluster: 'cluster',
  members: 'members',
  membersRemoved: 'members_removed',
  auth: 'auth',
  authUsers: 'authUsers',
  authRoles: 'authRoles',
} as const;

export type BucketName = (typeof Bucket)[keyof typeof Bucket];

/** Every bucket, in a fixed order (the index is the bucket's slot in per-bucket arrays). */
export const ALL_BUCKETS: readonly BucketName[] = Object.values(Bucket);

const slots = new Map<string, number>(ALL_BUCKETS.map((b, i) => [b, i]));

/** The slot of a bucket; throws for names that are not buckets (callers may be untyped). */
export function bucketSlot(bucket: string): number {
  const slot = slots.get(bucket);
  if (slot === undefined) throw new UnknownBucketError(`unknown bucket "${bucket}"`);
  return slot;
}
