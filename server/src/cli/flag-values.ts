import { parseGoDuration } from './duration.js';
import type { FlagSpec } from './flags.js';

/** A parsed flag value; the kind decides the shape (durations in milliseconds). */
export type FlagValue = string | boolean | number | readonly string[];

/** A value that does not fit its flag's kind; `detail` is the part after Go's "for flag -x: ". */
export class FlagValueError extends Error {
  override name = 'FlagValueError';
}

/** Parses `raw` as the flag's kind, as Go's flag package and etcd's flag types would. */
export function parseFlagValue(spec: FlagSpec, raw: string): FlagValue {
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'bool':
      return parseGoBool(raw);
    case 'uint':
      return parseGoInt(raw, false);
    case 'int':
      return parseGoInt(raw, true);
    case 'duration':
      return parseGoDuration(raw);
    case 'urls':
      return parseUrls(raw);
    case 'list':
      return raw === '' ? [] : raw.split(',');
    case 'enum':
      if (!(spec.choices ?? []).includes(raw)) {
        throw new FlagValueError(`valid values are ${(spec.choices ?? []).map((c) => JSON.stringify(c)).join(', ')}`);
      }
      return raw;
  }
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool. */
export function parseGoBool(raw: string): boolean {
  if (TRUE.has(raw)) return true;
  if (FALSE.has(raw)) return false;
  throw new FlagValueError('parse error');
}

/**
 * Go's strconv.ParseInt/ParseUint with base 0 (what the flag package uses): decimal, 0x hex,
 * 0o or leading-0 octal, 0b binary. Values beyond 2^53 are out of range for us.
 */
export function parseGoInt(raw: string, signed: boolean): number {
  let text = raw;
  let negative = false;
  if (signed && (text.startsWith('-') || text.startsWith('+'))) {
    negative = text.startsWith('-');
    text = text.slice(1);
  }
  let digits: string;
  if (/^0[xX][0-9a-fA-F]+$/.test(text) || /^0[bB][01]+$/.test(text) || /^0[oO][0-7]+$/.test(text)) digits = text.toLowerCase();
  else if (/^0[0-7]+$/.test(text)) digits = `0o${text.slice(1)}`;
  else if (/^[0-9]+$/.test(text)) digits = text;
  else throw new FlagValueError('parse error');
  const big = BigInt(digits) * (negative ? -1n : 1n);
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) throw new FlagValueError('value out of range');
  return Number(big);
}

/** etcd's URL lists: comma-separated; http, https, unix or unixs; host:port; no path. */
export function parseUrls(raw: string): string[] {
  if (raw === '') return [];
  return raw.split(',').map((text) => {
    const parts = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/.exec(text);
    if (parts === null || !URL.canParse(text)) throw new FlagValueError(`${JSON.stringify(text)} is not a URL`);
    const scheme = (parts[1] ?? '').toLowerCase();
    if (!['http', 'https', 'unix', 'unixs'].includes(scheme)) throw new FlagValueError(`URL scheme must be http, https, unix, or unixs: ${text}`);
    if (!/^(\[[0-9a-fA-F:.]+\]|[^:[\]]*):\d+$/.test(parts[2] ?? '')) throw new FlagValueError(`URL address does not have the form "host:port": ${text}`);
    if ((parts[3] ?? '') !== '') throw new FlagValueError(`URL must not contain a path: ${text}`);
    return text;
  });
}
