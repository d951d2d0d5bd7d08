import type { Index, RawNode, ReadState } from '../raft/index.js';
import { failpointOn } from '../util/index.js';
import { ServerError } from './errors.js';

interface Batch {
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * Linearizable reads (etcd's linearizableReadLoop): every read that arrives in one turn of the
 * event loop joins one ReadIndex request; when raft answers with the read index, the batch waits
 * until the member has applied up to it, then reads locally. One heartbeat round serves them all.
 */
export class ReadIndexer {
  private pending: Batch[] = [];
  private scheduled = false;
  private seq = 0n;
  private readonly inFlight = new Map<string, { batch: Batch[]; timer: NodeJS.Timeout }>();
  private readonly waitingApply: { index: Index; batch: Batch[] }[] = [];

  constructor(
    /** Part of every request context: the leader keys pending reads by context, so members must not collide. */
    private readonly memberId: bigint,
    private readonly node: RawNode,
    private readonly kick: () => void,
    private readonly applied: () => Index,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves once a read may be served linearizably from local state. */
  wait(): Promise<void> {
    // UNSAFE, TEST ONLY: serve "linearizable" reads from whatever this member has applied.
    if (failpointOn('unsafeFollowerLocalRead')) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  /** Read states from a Ready: their batches wait for the apply to reach the read index. */
  onReadStates(states: readonly ReadState[]): void {
    for (const rs of states) {
      const key = Buffer.from(rs.requestCtx).toString('hex');
      const f = this.inFlight.get(key);
      if (f === undefined) continue;
      this.inFlight.delete(key);
      clearTimeout(f.timer);
      this.waitingApply.push({ index: rs.index, batch: f.batch });
    }
    this.onApplied();
  }

  /** The member applied more: release the batches whose read index is reached. */
  onApplied(): void {
    const applied = this.applied();
    for (let i = 0; i < this.waitingApply.length; ) {
      const w = this.waitingApply[i] as { index: Index; batch: Batch[] };
      if (w.index <= applied) {
        this.waitingApply.splice(i, 1);
        for (const b of w.batch) b.resolve();
      } else i++;
    }
  }

  /** Fails every read waiting (the member stops, or leadership was lost). */
  failAll(e: Error): void {
    for (const [, f] of this.inFlight) {
      clearTimeout(f.timer);
      for (const b of f.batch) b.reject(e);
    }
    this.inFlight.clear();
    for (const w of this.waitingApply.splice(0)) for (const b of w.batch) b.reject(e);
    for (const b of this.pending.splice(0)) b.reject(e);
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const ctx = Buffer.alloc(16);
    ctx.writeBigUInt64BE(this.memberId, 0);
    ctx.writeBigUInt64BE(++this.seq, 8);
    const key = ctx.toString('hex');
    const timer = setTimeout(() => {
      this.inFlight.delete(key);
      for (const b of batch) b.reject(new ServerError('timeout'));
    }, this.timeoutMs);
    timer.unref();
    this.inFlight.set(key, { batch, timer });
    this.node.readIndex(ctx);
    this.kick();
  }
}
