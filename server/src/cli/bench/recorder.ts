import { errorMessage } from '../../util/index.js';

/** Collects latencies (seconds) into a growable typed array, and errors by their text. */
export class Recorder {
  private data: Float64Array;
  private n = 0;
  readonly errors = new Map<string, number>();

  constructor(expected: number) {
    this.data = new Float64Array(Math.max(16, expected));
  }

  add(seconds: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = seconds;
  }

  error(err: unknown, times = 1): void {
    const text = errorMessage(err);
    this.errors.set(text, (this.errors.get(text) ?? 0) + times);
  }

  get count(): number {
    return this.n;
  }

  /** The samples, trimmed (a copy whose buffer can be transferred to another thread). */
  latencies(): Float64Array {
    return this.data.slice(0, this.n);
  }
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across worker threads. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
