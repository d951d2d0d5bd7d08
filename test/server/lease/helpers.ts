import { Backend } from '../../../server/src/backend/index.js';
import { Lessor, type LessorOptions, type RangeDeleter } from '../../../server/src/lease/index.js';
import { tempDb } from '../backend/helpers.js';

/** A clock that moves only when the test says so. */
export class FakeClock {
  constructor(public t = 1_000_000) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export type FixtureOptions = Partial<Omit<LessorOptions, 'clock'>>;

function openBackend(path: string): Backend {
  // Slow background batching: only close/commit decide when writes reach the file.
  return Backend.open(path, { batchIntervalMs: 3_600_000, batchLimit: 1e9 });
}

/** A lessor on a fresh backend file, with a fake clock; `reopen` restores from the file. */
export class LessorFixture {
  static create(options: FixtureOptions = {}): LessorFixture {
    const t = tempDb();
    return new LessorFixture(t.path, t.cleanup, options);
  }

  readonly clock = new FakeClock();
  backend: Backend;
  lessor: Lessor;

  private constructor(
    readonly path: string,
    private readonly cleanup: () => void,
    private options: FixtureOptions,
  ) {
    this.backend = openBackend(path);
    this.lessor = this.open();
  }

  /** Closes the backend and opens backend and lessor again (optionally with other options). */
  async reopen(options: FixtureOptions = this.options): Promise<Lessor> {
    await this.backend.close();
    this.options = options;
    this.backend = openBackend(this.path);
    this.lessor = this.open();
    return this.lessor;
  }

  async close(): Promise<void> {
    await this.backend.close();
    this.cleanup();
  }

  private open(): Lessor {
    return Lessor.open(this.backend, { minLeaseTTL: 5, clock: this.clock.now, ...this.options });
  }
}

/** Runs fn with a fixture and always cleans up. */
export async function withLessor(fn: (f: LessorFixture) => Promise<void> | void, options: FixtureOptions = {}): Promise<void> {
  const f = LessorFixture.create(options);
  try {
    await fn(f);
  } finally {
    await f.close();
  }
}

/** A RangeDeleter that records what it is asked to do. */
export function recordingDeleter(): { deleter: RangeDeleter; log: string[] } {
  const log: string[] = [];
  const deleter: RangeDeleter = () => {
    log.push('begin');
    return {
      deleteRange: (key: Uint8Array, end?: Uint8Array) => {
        log.push(`delete ${Buffer.from(key).toString('latin1')}${end === undefined ? '' : ' (range)'}`);
      },
      end: () => {
        log.push('end');
      },
    };
  };
  return { deleter, log };
}

export function b(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

export function str(k: Uint8Array): string {
  return Buffer.from(k).toString('latin1');
}
