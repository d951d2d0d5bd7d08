/** The base of every Cairn error: a stable `name`, an optional `cause`. */
export class CairnError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** For the default branch of an exhaustive switch: the compiler proves it unreachable. */
export function assertNever(value: never, what = 'value'): never {
  throw new CairnError(`unexpected ${what}: ${String(value)}`);
}

/** Reads a message from anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
