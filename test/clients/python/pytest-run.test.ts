// The JUnit reading that python-clients.test.ts bases its verdict on: a misread outcome would
// hide a failure, so each shape pytest writes is checked here without Python.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJunit, tally } from './pytest-run.js';

const REPORT = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="5">
<testcase classname=".TestAPI" name="test_ok" time="0.01" />
<testcase classname=".TestAPI" name="test_ok_with_output" time="0.01"><system-out>&lt;failure&gt; in a log line</system-out></testcase>
<testcase classname=".TestAPI" name="test_bad" time="0.02"><failure message="assert 1 == 2">trace</failure></testcase>
<testcase classname=".TestAPI" name="test_skip" time="0.00"><skipped type="pytest.skip" message="not implemented">why</skipped></testcase>
<testcase classname=".TestAPI" name="test_bad" time="0.02"><error message="error in teardown">trace</error></testcase>
<testcase classname="pkg.mod.Test&amp;Case" name="test_x[a&quot;b]" time="0.00" />
</testsuite></testsuites>`;

test('parseJunit reads each outcome; a failure and a teardown error of one test count once, as an error', () => {
  const outcomes = parseJunit(REPORT);
  assert.deepEqual(Object.fromEntries(outcomes), {
    'TestAPI::test_ok': 'passed',
    'TestAPI::test_ok_with_output': 'passed',
    'TestAPI::test_bad': 'error',
    'TestAPI::test_skip': 'skipped',
    'pkg.mod.Test&Case::test_x[a"b]': 'passed',
  });
  assert.deepEqual(tally(outcomes), { passed: 3, failed: 0, error: 1, skipped: 1 });
});

test('parseJunit finds no tests in a report without testcases', () => {
  assert.equal(parseJunit('<testsuites><testsuite tests="0"></testsuite></testsuites>').size, 0);
});
