import { type Backend, Bucket } from '../backend/index.js';
import { etcdserverpb } from '../pb/index.js';
import { toLong, toUint64 } from '../util/index.js';
import type { AlarmKind } from './requests.js';

export interface Alarm {
  readonly memberId: bigint;
  readonly alarm: AlarmKind;
}

const KINDS: readonly AlarmKind[] = ['NONE', 'NOSPACE', 'CORRUPT'];

/**
 * The cluster's raised alarms (etcd's alarm store): applied through raft, kept in the backend's
 * `alarm` bucket as etcd keeps them (key: the encoded AlarmMember, value empty), so they survive
 * restarts and travel in snapshots.
 */
export class AlarmStore {
  private readonly raised = new Map<string, Alarm>();

  constructor(private readonly backend: Backend) {
    this.reload();
  }

  /** Loads the alarms the backend holds (at start, and after a raft snapshot replaced it). */
  reload(): void {
    this.raised.clear();
    for (const [k] of this.backend.range(Bucket.alarm, new Uint8Array(0))) {
      const m = etcdserverpb.AlarmMember.decode(k);
      const alarm = KINDS[m.alarm ?? 0] ?? 'NONE';
      this.raised.set(key(toUint64(m.memberID), alarm), { memberId: toUint64(m.memberID), alarm });
    }
  }

  /** Raises an alarm for a member; returns it (raising one already raised changes nothing). */
  activate(memberId: bigint, alarm: AlarmKind): Alarm {
    const a = { memberId, alarm };
    const k = key(memberId, alarm);
    if (!this.raised.has(k)) {
      this.raised.set(k, a);
      this.backend.put(Bucket.alarm, encode(a), new Uint8Array(0));
    }
    return a;
  }

  /** Clears an alarm; returns it, or undefined if it was not raised. */
  deactivate(memberId: bigint, alarm: AlarmKind): Alarm | undefined {
    const k = key(memberId, alarm);
    const a = this.raised.get(k);
    if (a === undefined) return undefined;
    this.raised.delete(k);
    this.backend.delete(Bucket.alarm, encode(a));
    return a;
  }

  /** Raised alarms of a kind ('NONE': all), ordered by member then kind. */
  get(alarm: AlarmKind = 'NONE'): Alarm[] {
    return [...this.raised.values()]
      .filter((a) => alarm === 'NONE' || a.alarm === alarm)
      .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : KINDS.indexOf(a.alarm) - KINDS.indexOf(b.alarm)));
  }

  has(alarm: AlarmKind): boolean {
    for (const a of this.raised.values()) if (a.alarm === alarm) return true;
    return false;
  }
}

function key(memberId: bigint, alarm: AlarmKind): string {
  return `${memberId.toString(16)}/${alarm}`;
}

function encode(a: Alarm): Uint8Array {
  return etcdserverpb.AlarmMember.encode({ memberID: toLong(a.memberId), alarm: KINDS.indexOf(a.alarm) }).finish();
}
