/** What the auto-compactor needs of the member: the clock, the revision, and a compaction. */
export interface CompactTarget {
  now(): number;
  rev(): number;
  compactRev(): number;
  compact(rev: number): Promise<unknown>;
}

const HOUR_MS = 3_600_000;
/** How often revision mode looks (etcd's 5 minutes). */
export const REVISION_CHECK_MS = 5 * 60_000;

/**
 * etcd's auto-compaction (`--auto-compaction-mode`, `--auto-compaction-retention`):
 * - periodic: keep at least `retention` ms of history; every `period` (the retention, or one
 *   hour for longer ones) compact to the newest revision sampled at least `retention` ago.
 *   Revisions are sampled every period/10.
 * - revision: every 5 minutes compact to (current revision − retention).
 * The member calls check() on a timer; nothing happens with retention 0.
 */
export class AutoCompactor {
  private readonly samples: { at: number; rev: number }[] = [];
  private lastSample = -Infinity;
  private lastRun: number;
  private running = false;

  constructor(
    private readonly mode: 'periodic' | 'revision',
    private readonly retention: number,
    private readonly target: CompactTarget,
  ) {
    this.lastRun = target.now();
  }

  /** Milliseconds between compactions. */
  get period(): number {
    if (this.mode === 'revision') return REVISION_CHECK_MS;
    return Math.min(this.retention, HOUR_MS);
  }

  check(): void {
    if (this.retention <= 0 || this.running) return;
    const now = this.target.now();
    if (this.mode === 'periodic' && now - this.lastSample >= this.period / 10) {
      this.samples.push({ at: now, rev: this.target.rev() });
      this.lastSample = now;
    }
    if (now - this.lastRun < this.period) return;
    this.lastRun = now;
    const rev = this.mode === 'revision' ? this.target.rev() - this.retention : this.periodicRevision(now);
    if (rev <= this.target.compactRev() || rev <= 0) return;
    this.running = true;
    this.target
      .compact(rev)
      .catch(() => undefined) // compacted or future already: nothing to do; the next period tries again
      .finally(() => {
        this.running = false;
      });
  }

  /** The newest sampled revision at least `retention` old; older samples are dropped. */
  private periodicRevision(now: number): number {
    let rev = 0;
    while (this.samples.length > 0 && now - (this.samples[0] as { at: number }).at >= this.retention) {
      rev = (this.samples.shift() as { rev: number }).rev;
    }
    return rev;
  }
}
