import { errorMessage } from '../util/index.js';
import { UsageError } from './errors.js';
import { parseFlagValue, type FlagValue } from './flag-values.js';
import { FLAG_BY_NAME } from './flags.js';

/** The flags given on the command line, parsed; `help` when -h/-help/--help was among them. */
export interface ParsedArgv {
  readonly values: ReadonlyMap<string, FlagValue>;
  readonly help: boolean;
}

/**
 * Reads the command line the way Go's flag package does for etcd, so that scripts written for
 * etcd behave the same: one or two dashes, `-flag=value` or `-flag value`, booleans take a value
 * only after `=`, a later repeat wins, `--` or the first non-flag word ends the flags. Errors carry
 * Go's texts, which users search for.
 */
export function parseArgv(argv: readonly string[]): ParsedArgv {
  const values = new Map<string, FlagValue>();
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] ?? '';
    if (arg.length < 2 || !arg.startsWith('-')) break;
    if (arg === '--') {
      i++;
      break;
    }
    const body = arg.slice(arg.startsWith('--') ? 2 : 1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) throw new UsageError(`bad flag syntax: ${arg}`);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    i++;
    const spec = FLAG_BY_NAME.get(name);
    if (spec === undefined) {
      if (name === 'help' || name === 'h') return { values, help: true };
      throw new UsageError(`flag provided but not defined: -${name}`);
    }
    let raw = inline;
    if (spec.kind === 'bool') {
      raw ??= 'true';
    } else if (raw === undefined) {
      if (i >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
      raw = argv[i] ?? '';
      i++;
    }
    values.set(name, parseGiven(name, raw, spec.kind === 'bool'));
  }
  if (i < argv.length) throw new UsageError(`'${argv[i] ?? ''}' is not a valid flag`);
  return { values, help: false };
}

function parseGiven(name: string, raw: string, isBool: boolean): FlagValue {
  const spec = FLAG_BY_NAME.get(name);
  if (spec === undefined) throw new UsageError(`flag provided but not defined: -${name}`);
  try {
    return parseFlagValue(spec, raw);
  } catch (err) {
    if (isBool) throw new UsageError(`invalid boolean value ${JSON.stringify(raw)} for -${name}: ${errorMessage(err)}`, { cause: err });
    throw new UsageError(`invalid value ${JSON.stringify(raw)} for flag -${name}: ${errorMessage(err)}`, { cause: err });
  }
}
