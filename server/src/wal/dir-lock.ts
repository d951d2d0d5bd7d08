import { closeSync, linkSync, openSync, readFileSync, readdirSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WalLockedError } from './errors.js';

export const LOCK_FILE = '.lock';

/** Directories this process holds, so a second open in the same process is refused too. */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One process per WAL directory: a `.lock` file holding the owner's pid. It is written under a
 * private name and hard-linked into place, so it never exists without its pid. A lock whose
 * pid is dead (or is this process, which does not hold the dir: a leftover) is stale and taken
 * over. Known limits: two processes taking over the same stale lock at the same instant can
 * both succeed, and a dead owner's pid reused by an unrelated process keeps the lock held.
 */
export class DirLock {
  private constructor(
    private readonly key: string,
    private readonly path: string,
  ) {}

  static acquire(dir: string): DirLock {
    const key = realpathSync(dir);
    if (held.has(key)) throw new WalLockedError(dir, process.pid, 'already open in this process');
    const path = join(dir, LOCK_FILE);
    const mine = join(dir, `${LOCK_FILE}.${process.pid}`);
    const fd = openSync(mine, 'w');
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          linkSync(mine, path);
          held.add(key);
          removeLeftovers(dir);
          return new DirLock(key, path);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
        const pid = readPid(path);
        if (pid !== undefined && pid !== process.pid && alive(pid)) throw new WalLockedError(dir, pid, '');
        if (attempt >= 2) throw new WalLockedError(dir, pid ?? 0, 'could not take over the stale lock');
        unlinkQuiet(path);
      }
    } finally {
      unlinkQuiet(mine);
    }
  }

  release(): void {
    if (!held.delete(this.key)) return;
    unlinkQuiet(this.path);
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Removes `.lock.<pid>` files that dead processes left behind mid-acquire. */
function removeLeftovers(dir: string): void {
  for (const name of readdirSync(dir)) {
    const m = /^\.lock\.(\d+)$/.exec(name);
    const pid = Number(m?.[1]);
    if (m !== null && pid !== process.pid && !alive(pid)) unlinkQuiet(join(dir, name));
  }
}
