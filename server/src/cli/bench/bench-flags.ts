import os from 'node:os';
import { UsageError } from '../errors.js';
import type { BenchConfig, BenchKind, CommonConfig, KeyShape } from './bench-config.js';

type FlagType = 'int' | 'bool' | 'string';
interface Spec {
  readonly type: FlagType;
  readonly def: string;
}
type Table = Readonly<Record<string, Spec>>;

const int = (def: number): Spec => ({ type: 'int', def: String(def) });
const bool: Spec = { type: 'bool', def: 'false' };
const str = (def: string): Spec => ({ type: 'string', def });

/** Flags every subcommand takes, with the names and defaults of etcd's `benchmark` tool. */
const GLOBAL: Table = {
  endpoints: str('127.0.0.1:2379'),
  conns: int(1),
  clients: int(1),
  workers: int(0),
  json: bool,
};

const KEYS: Table = { 'key-size': int(8), 'val-size': int(8), 'key-space-size': int(1), 'sequential-keys': bool };

/** Per subcommand: its own flags, the default of --total, and how many positional words it takes. */
const COMMANDS: Readonly<Record<BenchKind, { flags: Table; total: number; args: [number, number] }>> = {
  put: { flags: KEYS, total: 10000, args: [0, 0] },
  range: { flags: { consistency: str('l') }, total: 10000, args: [1, 2] },
  'txn-put': { flags: { ...KEYS, 'txn-ops': int(1) }, total: 10000, args: [0, 0] },
  'lease-keepalive': { flags: {}, total: 10000, args: [0, 0] },
  watch: {
    flags: { streams: int(10), 'watch-per-stream': int(10), 'watched-key-total': int(1), 'put-total': int(1000), 'put-rate': int(0), 'val-size': int(8) },
    total: 0,
    args: [0, 0],
  },
};

export function isBenchKind(s: string): s is BenchKind {
  return Object.hasOwn(COMMANDS, s);
}

/** The result of reading a command line: a load to run, or a request for the usage text. */
export type ParsedBench = { readonly kind: 'help' } | { readonly kind: 'run'; readonly config: BenchConfig };

/**
 * Reads `cairn bench <command> [flags] [args]` the way etcd's tool (cobra/pflag) does: long flags
 * with two dashes, `--flag value` or `--flag=value`, booleans bare or `=true|false`, flags and
 * positional words in any order, `--` ends the flags. Unknown flags are usage errors (exit 2).
 */
export function parseBenchArgs(argv: readonly string[]): ParsedBench {
  const at = commandIndex(argv);
  const cmd = argv[at];
  if (cmd === undefined || cmd === 'help' || argv.slice(0, at).some((a) => a === '--help' || a === '-h')) return { kind: 'help' };
  if (!isBenchKind(cmd)) throw new UsageError(`unknown bench command ${JSON.stringify(cmd)} (see cairn bench --help)`);
  // Global flags may come before the command, as with etcd's tool: scan them with the rest.
  const rest = [...argv.slice(0, at), ...argv.slice(at + 1)];
  const spec = COMMANDS[cmd];
  // watch has no --total: its size is --put-total times the watchers per key.
  const table: Table = { ...GLOBAL, ...(spec.total > 0 ? { total: int(spec.total) } : {}), ...spec.flags };
  const { values, args, help } = scan(rest, table);
  if (help) return { kind: 'help' };
  const [min, max] = spec.args;
  if (args.length < min || args.length > max) throw new UsageError(`bench ${cmd}: expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}`);
  const get = (name: string): string => values.get(name) ?? table[name]?.def ?? '';
  const num = (name: string, min = 1): number => {
    const n = Number(get(name));
    if (n < min) throw new UsageError(`invalid value ${JSON.stringify(get(name))} for flag --${name}: must be >= ${min}`);
    return n;
  };
  return { kind: 'run', config: buildConfig(cmd, common(get, num), get, num, args) };
}

/** Where the command word is: the first word that is neither a global flag nor its value. */
function commandIndex(argv: readonly string[]): number {
  let i = 0;
  while (i < argv.length) {
    const a = argv[i] ?? '';
    if (!a.startsWith('-') || a === '--') return a === '--' ? i + 1 : i;
    const spec = a.includes('=') ? undefined : GLOBAL[a.replace(/^--?/, '')];
    i += spec !== undefined && spec.type !== 'bool' ? 2 : 1;
  }
  return i;
}

type Get = (name: string) => string;
type Num = (name: string, min?: number) => number;

function common(get: Get, num: Num): CommonConfig {
  const endpoints = get('endpoints').split(',').map((e) => e.trim()).filter((e) => e !== '').map(normalizeEndpoint);
  if (endpoints.length === 0) throw new UsageError('--endpoints: no endpoint given');
  const workers = num('workers', 0);
  return {
    endpoints,
    conns: num('conns'),
    clients: num('clients'),
    total: num('total', 0),
    workers: workers === 0 ? Math.max(1, os.availableParallelism()) : workers,
    json: get('json') === 'true',
  };
}

function keyShape(get: Get, num: Num): KeyShape {
  return { keySize: num('key-size'), valSize: num('val-size', 0), keySpaceSize: num('key-space-size'), sequentialKeys: get('sequential-keys') === 'true' };
}

function buildConfig(kind: BenchKind, c: CommonConfig, get: Get, num: Num, args: string[]): BenchConfig {
  switch (kind) {
    case 'put':
      return { ...c, ...keyShape(get, num), kind };
    case 'txn-put':
      return { ...c, ...keyShape(get, num), kind, txnOps: num('txn-ops') };
    case 'lease-keepalive':
      return { ...c, kind };
    case 'range': {
      const consistency = get('consistency');
      if (consistency !== 'l' && consistency !== 's') throw new UsageError(`--consistency must be l or s, got ${JSON.stringify(consistency)}`);
      return { ...c, kind, key: args[0] ?? '', end: args[1] ?? '', serializable: consistency === 's' };
    }
    case 'watch':
      return {
        ...c,
        kind,
        streams: num('streams'),
        watchPerStream: num('watch-per-stream'),
        watchedKeyTotal: num('watched-key-total'),
        putTotal: num('put-total'),
        putRate: num('put-rate', 0),
        valSize: Math.max(8, num('val-size', 0)),
      };
  }
}

/** Accepts host:port or http://host:port (etcd's tool takes both); TLS is not offered. */
function normalizeEndpoint(e: string): string {
  if (e.startsWith('https://')) throw new UsageError(`--endpoints: TLS endpoints are not supported by cairn bench: ${e}`);
  const bare = e.startsWith('http://') ? e.slice('http://'.length) : e;
  if (!/^[^/:]+:\d+$/.test(bare) && !/^\[[0-9a-fA-F:.]+\]:\d+$/.test(bare)) throw new UsageError(`--endpoints: want host:port, got ${JSON.stringify(e)}`);
  return bare;
}

interface Scanned {
  values: Map<string, string>;
  args: string[];
  help: boolean;
}

function scan(argv: readonly string[], table: Table): Scanned {
  const values = new Map<string, string>();
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h' || a === '--help') return { values, args, help: true };
    if (!a.startsWith('--')) {
      if (a.startsWith('-') && a.length > 1) throw new UsageError(`unknown shorthand flag in ${a}`);
      args.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = table[name];
    if (spec === undefined) throw new UsageError(`unknown flag: --${name}`);
    let raw = eq < 0 ? undefined : a.slice(eq + 1);
    if (spec.type === 'bool') raw ??= 'true';
    else if (raw === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${name}`);
      raw = argv[++i] ?? '';
    }
    values.set(name, checkValue(name, spec.type, raw));
  }
  return { values, args, help: false };
}

function checkValue(name: string, type: FlagType, raw: string): string {
  if (type === 'int' && !/^\d+$/.test(raw)) throw new UsageError(`invalid argument ${JSON.stringify(raw)} for --${name}: not a non-negative integer`);
  if (type === 'bool' && raw !== 'true' && raw !== 'false') throw new UsageError(`invalid argument ${JSON.stringify(raw)} for --${name}: not true or false`);
  return raw;
}
