// The shared record of a run: every KV operation (for the checker), every watch stream (for the
// validators), counts by kind and outcome, and the fault log. One monotonic clock for all.
import type { Input, Operation, Output } from '../checker/history.js';
import type { WatchRecord } from '../validate/index.js';

export type Outcome = 'ok' | 'unknown' | 'failed';

/** Extra properties the workloads check themselves (multi-key txn atomicity, lease revocation). */
export interface WorkloadViolation {
  readonly property: string;
  readonly detail: string;
}

export class Recorder {
  readonly ops: Operation[] = [];
  readonly watches: WatchRecord[] = [];
  readonly counts = new Map<string, number>();
  readonly faults: string[] = [];
  readonly faultCounts = new Map<string, number>();
  readonly violations: WorkloadViolation[] = [];
  /** The highest compaction revision requested during the run (the watch validators need it). */
  compactedUpTo = 0;
  private nextClient = 0;
  readonly t0 = performance.now();

  now(): number {
    return performance.now();
  }

  /** A fresh client id (a client whose last operation is unknown continues under a new id). */
  clientId(): number {
    return this.nextClient++;
  }

  count(kind: string, outcome: Outcome): void {
    const k = `${kind} ${outcome}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  /** Records one KV operation; output undefined = unknown outcome. */
  record(clientId: number, call: number, input: Input, output: Output | undefined): void {
    if (output === undefined) this.ops.push({ clientId, call, input });
    else this.ops.push({ clientId, call, return: this.now(), input, output });
    this.count(input.kind, output === undefined ? 'unknown' : 'ok');
  }

  fault(kind: string, what: string): void {
    this.faults.push(`${((this.now() - this.t0) / 1000).toFixed(1)}s ${what}`);
    if (kind !== '') this.faultCounts.set(kind, (this.faultCounts.get(kind) ?? 0) + 1);
  }

  violation(property: string, detail: string): void {
    this.violations.push({ property, detail });
  }
}
