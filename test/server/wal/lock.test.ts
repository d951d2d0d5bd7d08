import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Wal, WalLockedError } from '../../../server/src/wal/index.js';
import { META, SNAP0, withDir } from './helpers.js';

const child = fileURLToPath(new URL('./hold-lock.child.js', import.meta.url));

/** Resolves when the child prints `line`; rejects if it exits first or the deadline passes. */
function waitForLine(p: ChildProcessWithoutNullStreams, line: string, ms = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no "${line}" from child within ${ms} ms; stderr: ${err}`)), ms);
    const done = (f: () => void) => {
      clearTimeout(timer);
      p.stdout.off('data', onData);
      p.off('exit', onExit);
      f();
    };
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').includes(line)) done(resolve);
    };
    const onExit = (code: number | null) => done(() => reject(new Error(`child exited (${code}) before "${line}"; stderr: ${err}`)));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout.on('data', onData);
    p.on('exit', onExit);
  });
}

function exited(p: ChildProcessWithoutNullStreams): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r()));
}

test('a second process cannot open a wal another live process holds; it can once released', () =>
  withDir(async (dir) => {
    await (await Wal.create(dir, META)).close();
    const p = spawn(process.execPath, [child, dir]);
    try {
      await waitForLine(p, 'locked');
      await assert.rejects(Wal.open(dir, SNAP0), (e: unknown) => {
        assert.ok(e instanceof WalLockedError);
        assert.equal(e.pid, p.pid);
        assert.match(e.message, new RegExp(`locked by pid ${p.pid}`));
        return true;
      });
      await assert.rejects(Wal.create(path.join(dir), META), WalLockedError);
      const released = waitForLine(p, 'released');
      p.stdin.end();
      await released;
      await exited(p);
      const r = await Wal.open(dir, SNAP0);
      assert.equal(fs.readFileSync(path.join(dir, '.lock'), 'utf8').trim(), String(process.pid));
      await r.wal.close();
      assert.equal(fs.existsSync(path.join(dir, '.lock')), false, 'close removes the lock');
    } finally {
      p.kill('SIGKILL');
    }
  }));

test('the lock of a killed process is stale and taken over', () =>
  withDir(async (dir) => {
    const p = spawn(process.execPath, [child, dir]);
    try {
      await waitForLine(p, 'locked');
      p.kill('SIGKILL');
      await exited(p);
      assert.equal(fs.readFileSync(path.join(dir, '.lock'), 'utf8').trim(), String(p.pid), 'the dead child left its lock');
      const r = await Wal.open(dir, SNAP0);
      assert.equal(fs.readFileSync(path.join(dir, '.lock'), 'utf8').trim(), String(process.pid));
      await r.wal.close();
    } finally {
      p.kill('SIGKILL');
    }
  }));

test('a lock file with a dead pid or garbage is stale', () =>
  withDir(async (dir) => {
    await (await Wal.create(dir, META)).close();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    for (const content of [`${dead.stdout}\n`, 'not a pid', '']) {
      fs.writeFileSync(path.join(dir, '.lock'), content);
      const r = await Wal.open(dir, SNAP0);
      await r.wal.close();
    }
  }));

test('the same process cannot open one wal twice', () =>
  withDir(async (dir) => {
    const w = await Wal.create(dir, META);
    await assert.rejects(Wal.open(dir, SNAP0), (e: unknown) => e instanceof WalLockedError && e.pid === process.pid);
    await w.close();
    await (await Wal.open(dir, SNAP0)).wal.close();
  }));
