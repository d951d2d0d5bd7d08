// Runs one Python test module from a Debian package with Debian's own interpreter and pytest,
// and reads every test's outcome from pytest's JUnit XML report (not from its console text,
// which the tests' own log and thread output can interleave with).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Debian's Python packages belong to Debian's interpreter, not to whatever python3 is first on PATH. */
export const PYTHON = process.env['CAIRN_TEST_PYTHON'] ?? '/usr/bin/python3';

export type Outcome = 'passed' | 'failed' | 'error' | 'skipped';

export interface PytestResult {
  /** Outcome per test id (`classname::name`). */
  readonly outcomes: ReadonlyMap<string, Outcome>;
  readonly exitCode: number;
  /** The tail of pytest's console output, for failure messages. */
  readonly outputTail: string;
  readonly seconds: number;
}

export interface PytestRun {
  /** A dotted module or package name, collected with --pyargs from where Debian installed it. */
  readonly module: string;
  /** Extra environment; PYTHONPATH is set only when given here. */
  readonly env: Readonly<Record<string, string>>;
  /** Bounds a hung run (it is then killed and the run fails); never decides an outcome. */
  readonly deadlineMs: number;
}

/** The Python modules the suites import, and the Debian package that provides each. */
const PREREQUISITES: ReadonlyArray<readonly [module: string, pkg: string]> = [
  ['pytest', 'python3-pytest'],
  ['tooz', 'python3-tooz'],
  ['etcd3', 'python3-etcd3'],
  ['etcd3gw', 'python3-etcd3gw'],
  ['testtools', 'python3-testtools'],
  ['fixtures', 'python3-fixtures'],
  ['oslotest', 'python3-oslotest'],
];

/** The Debian packages to install, or an empty list when every module imports. */
export function missingPythonPackages(): string[] {
  const script = `import importlib, sys
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception:
        print(name)`;
  const r = spawnSync(PYTHON, ['-c', script, ...PREREQUISITES.map(([m]) => m)], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return ['python3 (Debian interpreter at ' + PYTHON + ')', ...PREREQUISITES.map(([, p]) => p)];
  const missing = new Set(r.stdout.split('\n').filter((s) => s !== ''));
  return PREREQUISITES.filter(([m]) => missing.has(m)).map(([, p]) => p);
}

/** Runs pytest on one module and returns every test's outcome; throws if pytest itself could not run. */
export async function runPytest(run: PytestRun): Promise<PytestResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-pytest-'));
  const xml = path.join(dir, 'report.xml');
  const started = Date.now();
  try {
    const args = ['-m', 'pytest', '-p', 'no:cacheprovider', '-q', `--junitxml=${xml}`, '--pyargs', run.module];
    const { code, output } = await spawnCollect(args, dir, pythonEnv(run.env), run.deadlineMs);
    const seconds = (Date.now() - started) / 1000;
    const outputTail = output.slice(-6_000);
    // pytest exits 0 (all passed) or 1 (some failed); anything else means no usable run.
    if ((code !== 0 && code !== 1) || !fs.existsSync(xml)) {
      throw new Error(`pytest ${run.module} did not complete (exit ${code}):\n${outputTail}`);
    }
    return { outcomes: parseJunit(fs.readFileSync(xml, 'utf8')), exitCode: code, outputTail, seconds };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The inherited environment without PYTHONPATH (another interpreter's), plus the run's own. */
function pythonEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
  delete env['PYTHONPATH'];
  delete env['PYTHONHOME'];
  return { ...env, ...extra };
}

function spawnCollect(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, deadlineMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (s: string): void => {
      output = (output + s).slice(-200_000);
    };
    child.stdout.setEncoding('utf8').on('data', keep);
    child.stderr.setEncoding('utf8').on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) output += `\n[killed: still running after ${deadlineMs} ms]`;
      resolve({ code: code ?? -1, output });
    });
  });
}

const RANK: Readonly<Record<Outcome, number>> = { passed: 0, skipped: 1, failed: 2, error: 3 };

/**
 * Outcomes from a JUnit XML report. A test can be reported twice (a failure in the call and an
 * error in teardown); the worse outcome stands.
 */
export function parseJunit(xml: string): Map<string, Outcome> {
  const outcomes = new Map<string, Outcome>();
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = m[1] ?? '';
    const body = m[2] ?? '';
    // With --pyargs and a rootdir outside the package, pytest writes the class as `.TestAPI`.
    const id = `${attr(attrs, 'classname').replace(/^\./, '')}::${attr(attrs, 'name')}`;
    const outcome: Outcome = /<error\b/.test(body) ? 'error' : /<failure\b/.test(body) ? 'failed' : /<skipped\b/.test(body) ? 'skipped' : 'passed';
    const before = outcomes.get(id);
    if (before === undefined || RANK[outcome] > RANK[before]) outcomes.set(id, outcome);
  }
  return outcomes;
}

function attr(attrs: string, name: string): string {
  const raw = new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1] ?? '';
  return raw.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Outcome counts, e.g. `50 passed, 1 failed, 0 error, 25 skipped`. */
export function tally(outcomes: ReadonlyMap<string, Outcome>): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { passed: 0, failed: 0, error: 0, skipped: 0 };
  for (const o of outcomes.values()) counts[o]++;
  return counts;
}
