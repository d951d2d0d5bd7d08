import { assertNever } from '../../util/index.js';
import { index, type Index } from '../types.js';
import { ProgressStateError } from './errors.js';
import { Inflights } from './inflights.js';

/**
 * How the leader sends to a follower:
 * - probe: it does not know where the follower's log ends; one append at a time, each
 *   waiting for its answer (or a heartbeat response) before the next;
 * - replicate: the follower keeps up; appends stream optimistically (next moves ahead of
 *   match) up to the inflights window;
 * - snapshot: the follower needs a snapshot; nothing else is sent until it is reported.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

const STATE_NAMES: Record<ProgressState, string> = { probe: 'StateProbe', replicate: 'StateReplicate', snapshot: 'StateSnapshot' };

/** etcd's name of a progress state (StateProbe, ...), for logs and golden test output. */
export function progressStateName(s: ProgressState): string {
  return STATE_NAMES[s];
}

/**
 * The leader's view of one follower (or learner): what it is known to have (match), what to
 * send it next (next; always match < next), and how to send it.
 */
export class Progress {
  match: Index = index(0);
  next: Index;
  state: ProgressState = 'probe';
  /** In the snapshot state: the index of the snapshot being sent (0 otherwise). */
  pendingSnapshot: Index = index(0);
  /** Heard from since the last check-quorum round. The leader sets its own. */
  recentActive = false;
  /**
   * Sending appends is paused until something comes back: in probe, after an append was
   * sent; in replicate, once the inflights window filled up. Cleared by an acknowledgement
   * (maybeUpdate), a usable rejection (maybeDecrTo), or by the caller on a heartbeat response.
   */
  msgAppFlowPaused = false;
  inflights: Inflights;
  isLearner: boolean;

  constructor(next: Index, maxInflight: number, maxInflightBytes = Infinity, isLearner = false) {
    this.next = next;
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
    this.isLearner = isLearner;
  }

  /** Enters `state` with a clean slate: not paused, no snapshot pending, nothing in flight. */
  resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = index(0);
    this.state = state;
    this.inflights.reset();
  }

  /**
   * Back to probing from just after match; leaving the snapshot state, from just after the
   * snapshot if that is further (the follower will have it if it was delivered).
   */
  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = index(Math.max(this.match + 1, pending + 1));
    } else {
      this.resetState('probe');
      this.next = index(this.match + 1);
    }
  }

  /** Streams appends from just after match. */
  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = index(this.match + 1);
  }

  /** Waits for the snapshot at `snapshotIndex` to be delivered; entries resume after it. */
  becomeSnapshot(snapshotIndex: Index): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
    this.next = index(snapshotIndex + 1);
  }

  /**
   * Accounts for an append carrying `entries` entries (`bytes` of payload) starting at
   * `nextIndex` (normally this.next). In replicate, next moves past them optimistically and
   * the append joins the inflights window; the flow pauses once the window is full (an empty
   * append sent while full counts as a probe). In probe, a non-empty append pauses the flow
   * until it is answered. Sending in the snapshot state is a caller bug.
   */
  updateOnEntriesSend(entries: number, bytes: number, nextIndex: Index): void {
    switch (this.state) {
      case 'replicate':
        if (entries > 0) {
          const last = index(nextIndex + entries - 1);
          this.next = index(last + 1);
          this.inflights.add(last, bytes);
        }
        this.msgAppFlowPaused = this.inflights.full();
        return;
      case 'probe':
        if (entries > 0) this.msgAppFlowPaused = true;
        return;
      case 'snapshot':
        throw new ProgressStateError(`sending append in unhandled state ${progressStateName(this.state)}`);
      default:
        assertNever(this.state, 'progress state');
    }
  }

  /** updateOnEntriesSend for an append starting at this.next (etcd's SentEntries). */
  sentEntries(entries: number, bytes: number): void {
    this.updateOnEntriesSend(entries, bytes, this.next);
  }

  /**
   * The follower acknowledged everything up to `n`. Returns whether match moved (a stale or
   * duplicate ack does not move it, but next never falls behind n+1).
   */
  maybeUpdate(n: Index): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      this.msgAppFlowPaused = false;
      updated = true;
    }
    if (this.next < n + 1) this.next = index(n + 1);
    return updated;
  }

  /**
   * The follower rejected the append whose previous index was `rejected`, hinting that its
   * log may match up to `matchHint`. Returns false for a stale rejection, which changes
   * nothing: in replicate, one for an index already matched; otherwise, one that does not
   * answer the append last sent (next - 1). In replicate, next falls back to just after
   * match (the caller then probes); otherwise next moves down to the hint (but not to or
   * below match, and never up) and the flow resumes so the next probe can go out.
   */
  maybeDecrTo(rejected: Index, matchHint: Index): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = index(this.match + 1);
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = index(Math.max(Math.min(rejected, matchHint + 1), this.match + 1));
    this.msgAppFlowPaused = false;
    return true;
  }

  /** Whether the leader must hold appends to this follower for now (always, while snapshotting). */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
      case 'replicate':
        return this.msgAppFlowPaused;
      case 'snapshot':
        return true;
      default:
        return assertNever(this.state, 'progress state');
    }
  }

  /** A copy with its own inflights window. */
  clone(): Progress {
    const c = new Progress(this.next, this.inflights.size, this.inflights.maxBytes, this.isLearner);
    c.match = this.match;
    c.state = this.state;
    c.pendingSnapshot = this.pendingSnapshot;
    c.recentActive = this.recentActive;
    c.msgAppFlowPaused = this.msgAppFlowPaused;
    c.inflights = this.inflights.clone();
    return c;
  }

  /** "StateReplicate match=5 next=6 learner paused pendingSnap=4 inactive inflight=3[full]" (parts as they apply). */
  toString(): string {
    let s = `${progressStateName(this.state)} match=${this.match} next=${this.next}`;
    if (this.isLearner) s += ' learner';
    if (this.isPaused()) s += ' paused';
    if (this.pendingSnapshot > 0) s += ` pendingSnap=${this.pendingSnapshot}`;
    if (!this.recentActive) s += ' inactive';
    const n = this.inflights.count();
    if (n > 0) s += ` inflight=${n}${this.inflights.full() ? '[full]' : ''}`;
    return s;
  }
}
