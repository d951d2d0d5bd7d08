import type { KeyValue } from './kv-codec.js';

/**
 * One change a write txn made, for watchers. A delete's `kv` carries only the key and
 * `modRevision` (the revision of the deletion), as etcd's watch events do. `prev` is the key's
 * value just before the change (undefined for a put that created the key).
 */
export interface Change {
  readonly type: 'put' | 'delete';
  readonly kv: KeyValue;
  readonly prev: KeyValue | undefined;
}
