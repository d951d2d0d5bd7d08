import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lineDiff, listArg, runDataDrivenFile, tokenize } from './datadriven.js';

describe('datadriven runner', () => {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    delete process.env['CAIRN_REWRITE'];
  });

  const script = ['# a comment', 'echo x=(1, 2) hello', 'input line', '----', 'hello 1,2', '', 'echo', '----', 'stale', 'lines', ''].join('\n');
  const echo = (cmd: { positional: string[]; keyed: Map<string, string>; input: string[] }): string =>
    [...cmd.positional, listArg(cmd.keyed.get('x') ?? '').join(',')].join(' ').trim();

  test('tokenize keeps parenthesised lists together; listArg splits them', () => {
    assert.deepEqual(tokenize('add-nodes 3 voters=(1, 2,3)  index=10'), ['add-nodes', '3', 'voters=(1, 2,3)', 'index=10']);
    assert.deepEqual(listArg('(1, 2,3)'), ['1', '2', '3']);
    assert.deepEqual(listArg('4'), ['4']);
  });

  test('a mismatch names the file, line and command, with a diff', () => {
    const f = path.join(dir, 's.txt');
    fs.writeFileSync(f, script);
    const seen: string[][] = [];
    assert.throws(
      () =>
        runDataDrivenFile(f, (c) => {
          seen.push(c.input);
          return echo(c);
        }),
      (err: Error) => {
        assert.match(err.message, /s\.txt:7: echo\n/);
        assert.match(err.message, /- stale\n- lines\n\+ ok/);
        assert.doesNotMatch(err.message, /s\.txt:2:/); // the first block matched
        return true;
      },
    );
    assert.deepEqual(seen, [['input line'], []]);
  });

  test('CAIRN_REWRITE=1 rewrites the expected outputs and keeps the rest', () => {
    const f = path.join(dir, 's.txt');
    fs.writeFileSync(f, script);
    process.env['CAIRN_REWRITE'] = '1';
    runDataDrivenFile(f, echo);
    delete process.env['CAIRN_REWRITE'];
    const text = fs.readFileSync(f, 'utf8');
    assert.equal(text, ['# a comment', 'echo x=(1, 2) hello', 'input line', '----', 'hello 1,2', '', 'echo', '----', 'ok', ''].join('\n'));
    runDataDrivenFile(f, echo); // now passes
  });

  test('a missing separator is a parse error', () => {
    const f = path.join(dir, 'bad.txt');
    fs.writeFileSync(f, 'echo\nno separator\n');
    assert.throws(() => runDataDrivenFile(f, echo), /bad\.txt:1: missing '----'/);
  });

  test('lineDiff marks removed and added lines', () => {
    assert.equal(lineDiff('a\nb\nc', 'a\nx\nc'), '  a\n- b\n+ x\n  c');
  });
});
