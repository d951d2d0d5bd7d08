import { CairnError } from '../util/index.js';

/**
 * A revision the index does not hold: tombstoning a key that is absent or already deleted
 * (etcd's ErrRevisionNotFound). The store maps it; it is not a client-facing string.
 */
export class RevisionNotFoundError extends CairnError {}

/** A revision outside what the backend key can carry: main or sub negative, fractional or > 2^53-1. */
export class InvalidRevisionError extends CairnError {}

/** Bytes that are not a backend revision key (wrong length, no '_' separator, unknown mark). */
export class RevisionKeyError extends CairnError {}

/**
 * A write whose revision is not greater than the key's last one. Revisions only grow, so this
 * is a bug in the caller (etcd panics here); the index refuses rather than corrupting history.
 */
export class RevisionOrderError extends CairnError {}
