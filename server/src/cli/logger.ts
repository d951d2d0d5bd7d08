import { openSync, writeSync } from 'node:fs';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogFields, Logger } from '../util/index.js';
import type { LogFormat, LogLevel } from './member-config.js';

export type { LogFields, Logger } from '../util/index.js';
export { nopLogger } from '../util/index.js';

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** "stderr", "stdout" or file paths (appended to). */
  readonly outputs: readonly string[];
  /** Replaces the outputs (tests): receives each line with its newline. */
  readonly sink?: (line: string) => void;
}

/**
 * Structured logs shaped like etcd's zap output, one JSON object per line:
 * {"level":"info","ts":"<ISO 8601>","caller":"<file>:<line>","msg":"...",...fields}
 * so log pipelines written for etcd parse Cairn's. `console` renders the same record for people.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const write = opts.sink ?? outputsWriter(opts.outputs);
  const stream: DestinationStream = { write: opts.format === 'console' ? (line: string) => write(toConsole(line)) : write };
  const base = pino(
    {
      level: opts.level,
      customLevels: { panic: 55 },
      base: null,
      messageKey: 'msg',
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label: string) => ({ level: label }) },
      mixin: () => ({ caller: callerOf(new Error().stack) }),
    },
    stream,
  );
  return wrap(base);
}

function wrap(p: PinoLogger<'panic'>): Logger {
  return {
    debug: (msg, fields) => p.debug(plain(fields), msg),
    info: (msg, fields) => p.info(plain(fields), msg),
    warn: (msg, fields) => p.warn(plain(fields), msg),
    error: (msg, fields) => p.error(plain(fields), msg),
    child: (fields) => wrap(p.child(plain(fields))),
  };
}

/** Errors become their message (as zap's zap.Error does), so a log line never loses them to `{}`. */
function plain(fields: LogFields | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (fields === undefined) return out;
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? v.message : typeof v === 'bigint' ? v.toString() : v;
  return out;
}

/**
 * The first stack frame outside this file and pino, as "dir/file.js:line" relative to the source
 * root. Only computed for lines that pass the level filter (pino calls the mixin after filtering).
 */
function callerOf(stack: string | undefined): string {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = /\(?(?:file:\/\/)?([^()\s]+):(\d+):\d+\)?$/.exec(line.trim());
    if (m === null) continue;
    const file = m[1] ?? '';
    if (file.endsWith('/cli/logger.js') || file.endsWith('/cli/logger.ts') || file.includes('/node_modules/') || file.startsWith('node:')) continue;
    const rel = /\/server\/src\/(.*)$/.exec(file)?.[1] ?? /\/test\/(.*)$/.exec(file)?.[1] ?? file.split('/').slice(-2).join('/');
    return `${rel}:${m[2] ?? '0'}`;
  }
  return 'unknown';
}

function outputsWriter(outputs: readonly string[]): (line: string) => void {
  const writers = outputs.map((o): ((line: string) => void) => {
    if (o === 'stderr') return (line) => process.stderr.write(line);
    if (o === 'stdout') return (line) => process.stdout.write(line);
    const fd = openSync(o, 'a');
    return (line) => {
      writeSync(fd, line);
    };
  });
  return (line) => {
    for (const w of writers) w(line);
  };
}

/** zap's console layout: time, LEVEL, caller, message, then the remaining fields as JSON, tab-separated. */
export function toConsole(jsonLine: string): string {
  const rec = JSON.parse(jsonLine) as Record<string, unknown>;
  const { level, ts, caller, msg, ...fields } = rec;
  const parts = [String(ts), String(level).toUpperCase(), String(caller), String(msg)];
  if (Object.keys(fields).length > 0) parts.push(JSON.stringify(fields));
  return `${parts.join('\t')}\n`;
}
