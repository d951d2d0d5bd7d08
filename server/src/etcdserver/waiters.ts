import { ServerError } from './errors.js';

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: Error) => void;
  /** Date.now() when it was registered, and after which it has timed out. */
  start: number;
  deadline: number;
}

/**
 * Requests waiting for their entry to be applied (etcd's wait.Wait), keyed by request id. Each
 * one times out with etcd's "request timed out" if nothing answers it within `timeoutMs`.
 *
 * Every request has the same timeout, so the map's insertion order is deadline order: one
 * sweep a few times per timeout rejects the expired ones from the front, instead of a timer set
 * and cleared for every request (a timeout fires up to a sweep interval late).
 */
export class Waiters<T> {
  private readonly waiting = new Map<bigint, Waiter<T>>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    /** Told of each request that timed out (etcd counts them as failed proposals). */
    private readonly onTimeout: () => void = () => undefined,
    /** The error request `id`, registered at `start`, times out with (etcd's "request timed out" by default). */
    private readonly timeoutError: (start: number, id: bigint) => Error = () => new ServerError('timeout'),
  ) {}

  register(id: bigint): Promise<T> {
    if (this.sweeper === undefined) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(1, Math.min(100, Math.floor(this.timeoutMs / 4))));
      this.sweeper.unref();
    }
    return new Promise<T>((resolve, reject) => {
      const start = Date.now();
      this.waiting.set(id, { resolve, reject, start, deadline: start + this.timeoutMs });
    });
  }

  resolve(id: bigint, v: T): void {
    this.take(id)?.resolve(v);
  }

  reject(id: bigint, e: Error): void {
    this.take(id)?.reject(e);
  }

  /** Rejects every waiter and stops sweeping (the member is stopping). */
  rejectAll(e: Error): void {
    for (const id of [...this.waiting.keys()]) this.reject(id, e);
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  get size(): number {
    return this.waiting.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, w] of this.waiting) {
      if (w.deadline > now) return;
      this.waiting.delete(id);
      this.onTimeout();
      w.reject(this.timeoutError(w.start, id));
    }
  }

  private take(id: bigint): Waiter<T> | undefined {
    const w = this.waiting.get(id);
    if (w !== undefined) this.waiting.delete(id);
    return w;
  }
}
