import { CairnError } from './errors.js';

/**
 * Named failpoints: places in the code where a test can make Cairn crash or fail on purpose.
 * They cost one boolean check unless some failpoint is enabled.
 *
 * Enable them from the environment, `CAIRN_FAILPOINTS="walBeforeFsync=exit,walAfterWrite=throw"`,
 * or from a test with `enableFailpoint(name, action)`. Actions:
 * - `throw`: throw a FailpointError at that point;
 * - `exit`: kill the process at once with SIGKILL, as a crash would;
 * - `count(N)->A`: pass N times, then do A (throw or exit).
 */
export type FailpointAction = 'throw' | 'exit';

interface Armed {
  action: FailpointAction;
  skip: number;
}

export class FailpointError extends CairnError {}

const armed = new Map<string, Armed>();
let anyArmed = false;

function parse(spec: string): Armed {
  const m = /^count\((\d+)\)->(throw|exit)$/.exec(spec);
  if (m) return { skip: Number(m[1]), action: m[2] as FailpointAction };
  if (spec === 'throw' || spec === 'exit') return { skip: 0, action: spec };
  throw new CairnError(`bad failpoint action "${spec}" (want throw, exit or count(N)->throw|exit)`);
}

export function enableFailpoint(name: string, spec: string): void {
  armed.set(name, parse(spec));
  anyArmed = true;
}

export function disableFailpoint(name: string): void {
  armed.delete(name);
  anyArmed = armed.size > 0;
}

/** Marks a failpoint. Does nothing unless the failpoint is enabled. */
export function failpoint(name: string): void {
  if (!anyArmed) return;
  const a = armed.get(name);
  if (a === undefined) return;
  if (a.skip > 0) {
    a.skip--;
    return;
  }
  if (a.action === 'exit') process.kill(process.pid, 'SIGKILL');
  throw new FailpointError(`failpoint ${name} triggered`);
}

for (const part of (process.env['CAIRN_FAILPOINTS'] ?? '').split(',')) {
  const eq = part.indexOf('=');
  if (eq > 0) enableFailpoint(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
}
