import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createLogger, nopLogger, type LogFormat, type LogLevel } from '../../../server/src/cli/index.js';

function capture(level: LogLevel = 'info', format: LogFormat = 'json'): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const logger = createLogger({ level, format, outputs: ['stderr'], sink: (l) => lines.push(l) });
  return { lines, logger };
}

describe('logger', () => {
  test('JSON lines are shaped like zap\'s: level, ISO ts, caller, msg, then the fields', () => {
    const { lines, logger } = capture();
    logger.info('starting member', { 'member-id': 'abc', count: 3 });
    assert.equal(lines.length, 1);
    const line = lines[0] ?? '';
    assert.ok(line.endsWith('\n'));
    const rec = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(rec).slice(0, 3), ['level', 'ts', 'caller']);
    assert.equal(rec['level'], 'info');
    assert.match(String(rec['ts']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(String(rec['caller']), /^server\/cli\/logger\.test\.js:\d+$/);
    assert.equal(rec['msg'], 'starting member');
    assert.equal(rec['member-id'], 'abc');
    assert.equal(rec['count'], 3);
    assert.equal(rec['pid'], undefined);
    assert.equal(rec['hostname'], undefined);
  });

  test('--log-level filters: below the level nothing is written', () => {
    const { lines, logger } = capture('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { level: string }).level), ['warn', 'error']);
    const quiet = capture('panic');
    quiet.logger.error('e');
    assert.deepEqual(quiet.lines, []);
    const loud = capture('debug');
    loud.logger.debug('d');
    assert.equal(loud.lines.length, 1);
  });

  test('child loggers add their fields; errors and bigints become strings', () => {
    const { lines, logger } = capture();
    logger.child({ subsystem: 'wal' }).warn('repair', { error: new Error('torn frame'), index: 5n });
    const rec = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.equal(rec['subsystem'], 'wal');
    assert.equal(rec['error'], 'torn frame');
    assert.equal(rec['index'], '5');
  });

  test('console format is tab-separated: time, LEVEL, caller, message, fields', () => {
    const { lines, logger } = capture('info', 'console');
    logger.info('hello', { a: 1 });
    logger.warn('bare');
    const parts = (lines[0] ?? '').trimEnd().split('\t');
    assert.equal(parts.length, 5);
    assert.match(parts[0] ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(parts[1], 'INFO');
    assert.match(parts[2] ?? '', /logger\.test\.js:\d+$/);
    assert.equal(parts[3], 'hello');
    assert.equal(parts[4], '{"a":1}');
    assert.deepEqual((lines[1] ?? '').trimEnd().split('\t').slice(1), ['WARN', (lines[1] ?? '').split('\t')[2], 'bare']);
  });

  test('file outputs are appended to', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-log-'));
    try {
      const file = join(dir, 'etcd.log');
      createLogger({ level: 'info', format: 'json', outputs: [file] }).info('one');
      createLogger({ level: 'info', format: 'json', outputs: [file] }).info('two');
      const msgs = readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
      assert.deepEqual(msgs, ['one', 'two']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the no-op logger drops everything and its children too', () => {
    nopLogger.child({ a: 1 }).error('x');
    assert.equal(nopLogger.child({}), nopLogger);
  });
});
