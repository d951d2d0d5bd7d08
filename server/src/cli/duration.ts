/**
 * Go's duration syntax (`time.ParseDuration`), because etcd's keepalive and experimental interval
 * flags take it: a sequence of decimal numbers each with a unit ("300ms", "1h30m", "-1.5h"), or a
 * bare "0". Users copy these values from etcd manifests, so a value etcd accepts must parse here.
 */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Thrown text follows Go's, so an error looks the same as etcd's would. */
export class DurationSyntaxError extends Error {
  override name = 'DurationSyntaxError';
}

/** Parses a Go duration; returns milliseconds (fractional below 1 ms). */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new DurationSyntaxError(`time: invalid duration ${quoted}`);
  let total = 0;
  while (rest !== '') {
    const num = /^(\d+\.?\d*|\.\d+)/.exec(rest);
    if (num === null) throw new DurationSyntaxError(`time: invalid duration ${quoted}`);
    rest = rest.slice(num[0].length);
    const unit = /^[^\d.]+/.exec(rest);
    if (unit === null) throw new DurationSyntaxError(`time: missing unit in duration ${quoted}`);
    const perUnit = UNIT_MS[unit[0]];
    if (perUnit === undefined) throw new DurationSyntaxError(`time: unknown unit ${JSON.stringify(unit[0])} in duration ${quoted}`);
    rest = rest.slice(unit[0].length);
    total += Number(num[0]) * perUnit;
  }
  return sign * total;
}
