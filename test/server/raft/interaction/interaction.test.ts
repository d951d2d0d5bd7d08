/**
 * Runs every golden script in test/server/raft/testdata (one test per file) against a fresh
 * InteractionEnv. The folder is found from the working directory (the repository root), since
 * the compiler does not copy .txt files next to the compiled tests.
 * CAIRN_REWRITE=1 rewrites the scripts' expected outputs with the actual ones (see datadriven.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runDataDrivenFile } from './datadriven.js';
import { InteractionEnv } from './interaction-env.js';

const dir = path.resolve(process.cwd(), 'test/server/raft/testdata');
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.txt')).sort() : [];

describe('raft interaction scripts', () => {
  test('the testdata folder has scripts', () => {
    assert.ok(files.length > 0, `no scripts found in ${dir} (run from the repository root)`);
  });
  for (const f of files) {
    test(f, () => {
      const env = new InteractionEnv();
      runDataDrivenFile(path.join(dir, f), (cmd) => env.handle(cmd));
    });
  }
});
