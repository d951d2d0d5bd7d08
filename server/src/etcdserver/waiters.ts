import { ServerError } from './errors.js';

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Requests waiting for their entry to be applied (etcd's wait.Wait), keyed by request id. Each
 * one times out with etcd's "request timed out" if nothing answers it within `timeoutMs`.
 */
export class Waiters<T> {
  private readonly waiting = new Map<bigint, Waiter<T>>();

  constructor(
    private readonly timeoutMs: number,
    /** Told of each request that timed out (etcd counts them as failed proposals). */
    private readonly onTimeout: () => void = () => undefined,
  ) {}

  register(id: bigint): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        this.onTimeout();
        reject(new ServerError('timeout'));
      }, this.timeoutMs);
      timer.unref();
      this.waiting.set(id, { resolve, reject, timer });
    });
  }

  resolve(id: bigint, v: T): void {
    const w = this.take(id);
    w?.resolve(v);
  }

  reject(id: bigint, e: Error): void {
    this.take(id)?.reject(e);
  }

  /** Rejects every waiter (the member is stopping). */
  rejectAll(e: Error): void {
    for (const id of [...this.waiting.keys()]) this.reject(id, e);
  }

  get size(): number {
    return this.waiting.size;
  }

  private take(id: bigint): Waiter<T> | undefined {
    const w = this.waiting.get(id);
    if (w === undefined) return undefined;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    return w;
  }
}
