import { mvccpb } from '../pb/index.js';
import { longOf, toSafeNumber, toUint64 } from '../util/index.js';

/**
 * A key's value at one revision, as the store returns it and as etcd's mvccpb.KeyValue holds
 * it. `lease` is the signed 64-bit lease id (0: none).
 */
export interface KeyValue {
  readonly key: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly value: Uint8Array;
  readonly lease: bigint;
}

const EMPTY = new Uint8Array(0);

/**
 * The backend value of a revision: mvccpb.KeyValue bytes. Zero fields and empty byte fields
 * are left out, as etcd's proto3 marshalling leaves them out, so the bytes (and with them
 * HashKV) match etcd's for the same history.
 */
export function encodeKeyValue(kv: KeyValue): Uint8Array {
  const m: mvccpb.IKeyValue = {};
  if (kv.key.byteLength > 0) m.key = kv.key;
  if (kv.createRevision !== 0) m.createRevision = kv.createRevision;
  if (kv.modRevision !== 0) m.modRevision = kv.modRevision;
  if (kv.version !== 0) m.version = kv.version;
  if (kv.value.byteLength > 0) m.value = kv.value;
  if (kv.lease !== 0n) m.lease = longOf(kv.lease, false);
  return mvccpb.KeyValue.encode(m).finish();
}

export function decodeKeyValue(bytes: Uint8Array): KeyValue {
  const m = mvccpb.KeyValue.decode(bytes);
  return {
    key: m.key,
    createRevision: toSafeNumber(m.createRevision, 'create_revision'),
    modRevision: toSafeNumber(m.modRevision, 'mod_revision'),
    version: toSafeNumber(m.version, 'version'),
    value: m.value,
    lease: BigInt.asIntN(64, toUint64(m.lease)),
  };
}

/** The tombstone record's value: a KeyValue carrying only the key. */
export function tombstoneValue(key: Uint8Array): Uint8Array {
  return encodeKeyValue({ key, createRevision: 0, modRevision: 0, version: 0, value: EMPTY, lease: 0n });
}
