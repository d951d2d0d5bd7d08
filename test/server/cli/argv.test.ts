import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseArgv, UsageError } from '../../../server/src/cli/index.js';

function values(argv: string[]): Record<string, unknown> {
  return Object.fromEntries(parseArgv(argv).values);
}

function usageError(argv: string[]): string {
  try {
    parseArgv(argv);
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`${argv.join(' ')} parsed`);
}

describe('command line syntax (Go flag package)', () => {
  test('--flag=value, --flag value, -flag value and -flag=value are all accepted', () => {
    assert.deepEqual(values(['--name=a']), { name: 'a' });
    assert.deepEqual(values(['--name', 'b']), { name: 'b' });
    assert.deepEqual(values(['-name', 'c']), { name: 'c' });
    assert.deepEqual(values(['-name=d']), { name: 'd' });
  });

  test('a value may start with a dash or be empty; "=" splits at the first "="', () => {
    assert.deepEqual(values(['--name', '-x']), { name: '-x' });
    assert.deepEqual(values(['--name=']), { name: '' });
    assert.deepEqual(values(['--initial-cluster=a=http://h:1']), { 'initial-cluster': 'a=http://h:1' });
  });

  test('booleans: bare means true, =value parses Go spellings, and never consume the next word', () => {
    assert.deepEqual(values(['--enable-pprof']), { 'enable-pprof': true });
    assert.deepEqual(values(['--strict-reconfig-check=false']), { 'strict-reconfig-check': false });
    assert.deepEqual(values(['--strict-reconfig-check=F']), { 'strict-reconfig-check': false });
    assert.deepEqual(values(['--pre-vote=1']), { 'pre-vote': true });
    assert.equal(usageError(['--strict-reconfig-check', 'false']), "'false' is not a valid flag");
    assert.equal(usageError(['--pre-vote=yes']), 'invalid boolean value "yes" for -pre-vote: parse error');
  });

  test('a repeated flag: the last one wins', () => {
    assert.deepEqual(values(['--name', 'a', '--name', 'b']), { name: 'b' });
  });

  test('integers take Go base-0 syntax; bad ones say parse error; kinds are typed', () => {
    assert.deepEqual(values(['--snapshot-count', '0x10', '--max-wals', '010', '--max-snapshots=0b11']), {
      'snapshot-count': 16,
      'max-wals': 8,
      'max-snapshots': 3,
    });
    assert.deepEqual(values(['--quota-backend-bytes=-1']), { 'quota-backend-bytes': -1 });
    assert.equal(usageError(['--snapshot-count', 'abc']), 'invalid value "abc" for flag -snapshot-count: parse error');
    assert.equal(usageError(['--snapshot-count', '-1']), 'invalid value "-1" for flag -snapshot-count: parse error');
    assert.equal(usageError(['--max-txn-ops', '99999999999999999999']), 'invalid value "99999999999999999999" for flag -max-txn-ops: value out of range');
  });

  test('durations, URL lists, comma lists and enums', () => {
    assert.deepEqual(values(['--grpc-keepalive-min-time', '1m30s', '--listen-client-urls', 'http://a:1,https://b:2', '--cors', 'x,y', '--initial-cluster-state', 'existing']), {
      'grpc-keepalive-min-time': 90_000,
      'listen-client-urls': ['http://a:1', 'https://b:2'],
      cors: ['x', 'y'],
      'initial-cluster-state': 'existing',
    });
    assert.equal(usageError(['--grpc-keepalive-timeout=20']), 'invalid value "20" for flag -grpc-keepalive-timeout: time: missing unit in duration "20"');
    assert.match(usageError(['--listen-peer-urls', 'ftp://a:1']), /^invalid value "ftp:\/\/a:1" for flag -listen-peer-urls: URL scheme must be/);
    assert.match(usageError(['--initial-cluster-state=old']), /^invalid value "old" for flag -initial-cluster-state: valid values are "new", "existing"$/);
  });

  test('unknown flags get Go\'s text; -h, -help and --help ask for help', () => {
    assert.equal(usageError(['--bogus']), 'flag provided but not defined: -bogus');
    assert.equal(usageError(['-xyz=1']), 'flag provided but not defined: -xyz');
    for (const h of ['-h', '--help', '-help']) assert.equal(parseArgv(['--name', 'a', h]).help, true);
  });

  test('bad syntax, missing arguments and leftover words are usage errors', () => {
    assert.equal(usageError(['---name=a']), 'bad flag syntax: ---name=a');
    assert.equal(usageError(['-=a']), 'bad flag syntax: -=a');
    assert.equal(usageError(['--name']), 'flag needs an argument: -name');
    assert.equal(usageError(['serve']), "'serve' is not a valid flag");
    assert.equal(usageError(['--name', 'a', '--', '--data-dir']), "'--data-dir' is not a valid flag");
    assert.deepEqual(values(['--name', 'a', '--']), { name: 'a' });
  });
});
