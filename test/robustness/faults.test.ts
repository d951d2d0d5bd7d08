// The failpoint fault arms crash points by name: the list it draws from must be exactly the
// crash points the server has (a renamed or new failpoint would otherwise never be exercised).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { CRASH_FAILPOINTS } from './faults/index.js';

function namesIn(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return namesIn(full);
    if (!d.name.endsWith('.js')) return [];
    return [...fs.readFileSync(full, 'utf8').matchAll(/\bfailpoint\('([A-Za-z]+)'\)/g)].map((m) => m[1] as string);
  });
}

test('CRASH_FAILPOINTS names every crash point of the server, and nothing else', () => {
  const server = fileURLToPath(new URL('../../server/src', import.meta.url));
  const found = [...new Set(namesIn(server))].sort();
  assert.ok(found.length > 10, `found only ${found.length} failpoints under ${server}`);
  assert.deepEqual([...CRASH_FAILPOINTS].sort(), found);
});
