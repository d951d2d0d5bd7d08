/**
 * A small data-driven test runner (in the spirit of cockroachdb/datadriven, as etcd's raft
 * uses it). A file is a sequence of blocks:
 *
 *     # comments (any number of lines starting with '#')
 *     <command> <args...>
 *     [input lines...]
 *     ----
 *     <expected output, no blank lines>
 *     <blank line>
 *
 * Every block runs, in order, against one environment per file; its output must equal the
 * expected text exactly. Run with CAIRN_REWRITE=1 in the environment to rewrite each file with
 * the actual outputs instead of comparing (then read the diff: golden files must encode correct
 * behaviour, not whatever the code does).
 */
import * as fs from 'node:fs';

/** One parsed command: name, arguments (positional and key=value) and input lines. */
export interface TestCommand {
  /** 1-based line of the command in its file. */
  line: number;
  name: string;
  /** Positional arguments, in order. */
  positional: string[];
  /** key=value arguments; `(a,b)` values keep their parentheses (see listArg). */
  keyed: Map<string, string>;
  /** The raw command line. */
  raw: string;
  input: string[];
}

interface Block {
  cmd: TestCommand;
  /** Line numbers (0-based, into the file's lines) of the expected output: [start, end). */
  expectedStart: number;
  expectedEnd: number;
  expected: string;
}

/** Splits a command line into tokens; spaces inside parentheses do not split. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of line) {
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (/\s/.test(ch) && depth === 0) {
      if (cur !== '') out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur !== '') out.push(cur);
  return out;
}

/** `(1,2 3)` or `1` → ['1','2','3']. */
export function listArg(v: string): string[] {
  return v
    .replace(/^\(/, '')
    .replace(/\)$/, '')
    .split(/[\s,]+/)
    .filter((s) => s !== '');
}

function parseCommand(raw: string, line: number, input: string[]): TestCommand {
  const [name = '', ...rest] = tokenize(raw);
  const positional: string[] = [];
  const keyed = new Map<string, string>();
  for (const tok of rest) {
    const eq = tok.indexOf('=');
    if (eq > 0) keyed.set(tok.slice(0, eq), tok.slice(eq + 1));
    else positional.push(tok);
  }
  return { line, name, positional, keyed, raw, input };
}

export class DataDrivenParseError extends Error {}

/** Parses a file's text into its blocks. */
function parseBlocks(file: string, lines: string[]): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i] as string;
    if (l.trim() === '' || l.startsWith('#')) {
      i++;
      continue;
    }
    const cmdLine = i;
    const input: string[] = [];
    i++;
    while (i < lines.length && lines[i] !== '----') input.push(lines[i++] as string);
    if (i >= lines.length) throw new DataDrivenParseError(`${file}:${cmdLine + 1}: missing '----' after command "${l}"`);
    i++; // the separator
    const expectedStart = i;
    while (i < lines.length && (lines[i] as string).trim() !== '') i++;
    blocks.push({
      cmd: parseCommand(l, cmdLine + 1, input),
      expectedStart,
      expectedEnd: i,
      expected: lines.slice(expectedStart, i).join('\n'),
    });
  }
  return blocks;
}

/** A line diff of expected against actual (a small LCS; outputs are short). */
export function lineDiff(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let x = a.length - 1; x >= 0; x--) {
    for (let y = b.length - 1; y >= 0; y--) {
      const row = lcs[x] as number[];
      row[y] = a[x] === b[y] ? (lcs[x + 1]?.[y + 1] ?? 0) + 1 : Math.max(lcs[x + 1]?.[y] ?? 0, row[y + 1] ?? 0);
    }
  }
  const out: string[] = [];
  let x = 0;
  let y = 0;
  while (x < a.length || y < b.length) {
    if (x < a.length && y < b.length && a[x] === b[y]) {
      out.push(`  ${a[x++]}`);
      y++;
    } else if (x < a.length && (y >= b.length || (lcs[x + 1]?.[y] ?? 0) >= (lcs[x]?.[y + 1] ?? 0))) {
      out.push(`- ${a[x++]}`);
    } else {
      out.push(`+ ${b[y++]}`);
    }
  }
  return out.join('\n');
}

/**
 * Runs every block of `file` through `run` (one environment per file: the caller's closure).
 * Throws an Error naming the file, line, command and a diff (- expected, + actual) for each
 * mismatching block; with CAIRN_REWRITE=1, rewrites the file instead.
 */
export function runDataDrivenFile(file: string, run: (cmd: TestCommand) => string): void {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const blocks = parseBlocks(file, lines);
  const rewrite = process.env['CAIRN_REWRITE'] === '1';
  const failures: string[] = [];
  const actuals: string[] = [];
  for (const b of blocks) {
    let actual: string;
    try {
      actual = run(b.cmd).replace(/\n+$/, '');
    } catch (err) {
      throw new Error(`${file}:${b.cmd.line}: ${b.cmd.raw}: command failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, { cause: err });
    }
    if (actual === '') actual = 'ok';
    if (actual.split('\n').some((l) => l.trim() === '')) {
      throw new Error(`${file}:${b.cmd.line}: ${b.cmd.raw}: output contains a blank line, which this format cannot hold`);
    }
    actuals.push(actual);
    if (!rewrite && actual !== b.expected) {
      failures.push(`${file}:${b.cmd.line}: ${b.cmd.raw}\n--- expected / +++ actual:\n${lineDiff(b.expected, actual)}`);
    }
  }
  if (rewrite) {
    fs.writeFileSync(file, rewritten(lines, blocks, actuals));
    return;
  }
  if (failures.length > 0) throw new Error(`${failures.length} block(s) differ:\n\n${failures.join('\n\n')}`);
}

/** The file with each block's expected output replaced by the actual one. */
function rewritten(lines: string[], blocks: Block[], actuals: string[]): string {
  const out: string[] = [];
  let at = 0;
  blocks.forEach((b, k) => {
    out.push(...lines.slice(at, b.expectedStart));
    out.push(...(actuals[k] as string).split('\n'));
    at = b.expectedEnd;
  });
  out.push(...lines.slice(at));
  let s = out.join('\n');
  if (!s.endsWith('\n')) s += '\n';
  return s;
}
