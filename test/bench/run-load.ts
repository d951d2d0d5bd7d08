// Runs one load as a separate process (`cairn bench ... --json`), so the load generator never
// shares a thread with the benchmark's bookkeeping, and samples the servers' memory meanwhile.
import { spawn } from 'node:child_process';
import type { BenchJson } from '../../server/src/cli/bench/index.js';
import { CAIRN_MAIN } from '../e2e/cluster-process.js';

export interface Sample {
  readonly json: BenchJson;
  /** Highest value rss() returned while the load ran (0 without rss). */
  readonly peakRss: number;
}

/**
 * Runs `cairn bench --endpoints E1,E2,... ARGS --json` and parses its JSON line. With rss (bytes
 * now, e.g. the VmRSS of a server or the sum over a cluster's members), samples it every 100 ms.
 */
export function runLoad(endpoints: readonly string[], args: readonly string[], rss?: () => number): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CAIRN_MAIN, 'bench', '--endpoints', endpoints.join(','), ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let peakRss = 0;
    const sample = (): void => {
      if (rss !== undefined) peakRss = Math.max(peakRss, rss());
    };
    sample();
    const sampler = setInterval(sample, 100);
    const deadline = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sampler);
      clearTimeout(deadline);
      sample();
      if (code !== 0) return reject(new Error(`cairn bench ${args.join(' ')} exited ${code}:\n${err}`));
      try {
        resolve({ json: JSON.parse(out.trim().split('\n').at(-1) ?? '') as BenchJson, peakRss });
      } catch (e) {
        reject(new Error(`cairn bench printed no JSON: ${out}\n${err}`, { cause: e }));
      }
    });
  });
}
