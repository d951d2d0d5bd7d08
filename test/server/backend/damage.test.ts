import assert from 'node:assert/strict';
import { copyFileSync, openSync, closeSync, ftruncateSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Backend, BackendCorruptError, Bucket, checkDbFile } from '../../../server/src/backend/index.js';
import { revKey, tempDb } from './helpers.js';

// LMDB trusts its header: a truncated file or a damaged meta page crashes the process (SIGBUS,
// SIGSEGV) inside LMDB. The backend must refuse such a file first, naming file and offset.
// (Before the check existed, each of these cases killed the test process.)

const t = tempDb();
let pristine: Buffer;
let pageSize = 0;
let lastPage = 0;

before(async () => {
  const b = Backend.open(t.path);
  for (let i = 1; i <= 2000; i++) b.put(Bucket.key, revKey(i), Buffer.alloc(200, i & 0xff));
  b.setConsistentIndex(2000, 1);
  await b.close();
  pristine = readFileSync(t.path);
  pageSize = pristine.readUInt32LE(48);
  // LMDB uses the meta page with the higher txnid; its last used page says how long the file must be.
  const newest = pristine.readBigUInt64LE(152) >= pristine.readBigUInt64LE(pageSize + 152) ? 0 : pageSize;
  lastPage = Number(pristine.readBigUInt64LE(newest + 144));
});
after(() => t.cleanup());

function damaged(fn: (path: string) => void): string {
  const path = `${t.path}.case`;
  writeFileSync(path, pristine);
  fn(path);
  return path;
}

function refused(path: string, offset: number, why: RegExp): void {
  assert.throws(
    () => Backend.open(path),
    (e: unknown) => e instanceof BackendCorruptError && e.file === path && e.offset === offset && why.test(e.reason) && e.message.includes(path),
  );
}

function patch(path: string, at: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, bytes, 0, bytes.length, at);
  closeSync(fd);
}

describe('a damaged db file is refused before LMDB maps it', () => {
  test('the pristine file passes and opens with every key', async () => {
    assert.ok(pageSize >= 4096 && lastPage > 2);
    const path = damaged(() => {});
    checkDbFile(path);
    const b = Backend.open(path);
    assert.equal(b.count(Bucket.key), 2000);
    assert.deepEqual(b.consistentIndex(), { index: 2000, term: 1 });
    await b.close();
  });

  test('an empty file', () => {
    refused(damaged((p) => writeFileSync(p, '')), 0, /empty/);
  });

  test('truncated anywhere before the end of its last used page', () => {
    const end = (lastPage + 1) * pageSize;
    for (const size of [end - 1, end - pageSize, Math.floor(end / 2), 2 * pageSize + 1, 2 * pageSize]) {
      const path = damaged((p) => {
        const fd = openSync(p, 'r+');
        ftruncateSync(fd, size);
        closeSync(fd);
      });
      refused(path, size, /truncated/);
    }
    for (const size of [2 * pageSize - 1, pageSize + 100]) {
      const path = damaged((p) => {
        const fd = openSync(p, 'r+');
        ftruncateSync(fd, size);
        closeSync(fd);
      });
      refused(path, size, /truncated|meta page 1/);
    }
  });

  test('garbage, or a file that is not LMDB at all', () => {
    refused(damaged((p) => writeFileSync(p, Buffer.alloc(pristine.length, 0x5a))), 0, /not an LMDB database/);
    refused(damaged((p) => writeFileSync(p, 'hello, I am not a database\n')), 0, /not an LMDB database/);
  });

  test('damage to either meta page: magic, page number, flags, version, roots, last page', () => {
    for (const meta of [0, 1]) {
      const base = meta * pageSize;
      refused(damaged((p) => patch(p, base, Buffer.from([7]))), base, new RegExp(`meta page ${meta} is damaged: it says it is page`));
      refused(damaged((p) => patch(p, base + 18, Buffer.from([0, 0]))), base, /not marked as a meta page/);
      refused(damaged((p) => patch(p, base + 28, Buffer.from([9]))), base, /unknown data version 9/);
      const farRoot = Buffer.alloc(8);
      farRoot.writeBigUInt64LE(BigInt(lastPage + 1000));
      refused(damaged((p) => patch(p, base + 136, farRoot)), base, /root page .* lies outside/);
      refused(damaged((p) => patch(p, base + 144, Buffer.alloc(8))), base, /last page 0/);
    }
    refused(damaged((p) => patch(p, pageSize + 24, Buffer.alloc(4, 0xff))), pageSize, /meta page 1 is damaged: bad magic/);
    // Meta page 0's magic gone: the page size comes from meta page 1, and page 0 is named.
    refused(damaged((p) => patch(p, 24, Buffer.alloc(4, 0xff))), 0, /meta page 0 is damaged/);
  });

  test('a defragmented (compacted) file passes the same check', async () => {
    const path = damaged(() => {});
    const b = Backend.open(path);
    for (let i = 1; i <= 1500; i++) b.delete(Bucket.key, revKey(i));
    await b.defrag();
    await b.close();
    assert.ok(statSync(path).size < pristine.length);
    checkDbFile(path);
    const again = Backend.open(path);
    assert.equal(again.count(Bucket.key), 500);
    await again.close();
  });

  test('the copy a snapshot would ship passes too', () => {
    const path = `${t.path}.copy`;
    copyFileSync(t.path, path);
    checkDbFile(path);
  });
});
