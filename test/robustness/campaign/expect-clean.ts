// What a campaign run of `npm test` must show to pass: no violation, a decided check, real work
// done (or passing means nothing) and at least one fault injected. The report is printed either way.
import assert from 'node:assert/strict';
import { failed, formatRun } from './report.js';
import { runOnce, type RunOptions } from './run.js';

export async function expectCleanRun(opts: RunOptions): Promise<void> {
  const result = await runOnce(opts);
  const report = formatRun(opts, result);
  console.log(report);
  assert.ok(!failed(result), report);
  assert.equal(result.check.kind, 'ok', report);
  assert.ok(result.rec.ops.filter((o) => o.output !== undefined).length > 100, `too few completed operations\n${report}`);
  assert.ok(result.rec.faults.length > 0, `no fault was injected\n${report}`);
}
