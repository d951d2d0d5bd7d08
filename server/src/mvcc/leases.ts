/**
 * What the store needs of the lessor (etcd's lease.Lessor as mvcc sees it): the store tells it
 * which keys are attached to which lease as puts, deletes and restarts happen, and the request
 * layer asks whether a lease exists before a put names it. The lease module implements it;
 * mvcc never imports that module (it is above this one).
 */
export interface Leases {
  /** Whether the lease is granted and not yet revoked or expired. */
  has(id: bigint): boolean;
  /** The key now belongs to the lease (a put with it, or a restart finding it). */
  attach(id: bigint, key: Uint8Array): void;
  /** The key no longer belongs to the lease (deleted, or put with another lease or none). */
  detach(id: bigint, key: Uint8Array): void;
}
