import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BboltCorruptError,
  BboltCycleError,
  BboltElementError,
  BboltKeyOrderError,
  BboltMetaError,
  BboltPageBoundsError,
  BboltPageIdError,
  BboltPageTypeError,
  BboltSnapshotHashError,
  BboltTruncatedError,
  BboltUnreachablePageError,
  appendSha256,
  openBbolt,
  verifySnapshotFile,
  writeBboltFile,
} from '../../../../server/src/backend/bbolt/index.js';
import { metaPage } from '../../../../server/src/backend/bbolt/writer.js';
import { revKey, tempDir, type Pairs } from './helpers.js';

const PAGE = 4096;
type ErrorClass = new (...args: never[]) => BboltCorruptError;

let dir: string;
let cleanup: () => void;
let pristine: string;
let pristineBytes: Buffer;
let expected: string;

/** Opens, walks every bucket, runs the full check; returns a digest of the contents. */
function readEverything(path: string): string {
  const r = openBbolt(path);
  try {
    const parts: string[] = [];
    for (const name of r.bucketNames()) {
      parts.push(name.toString('hex'));
      for (const [k, v] of r.entries(name)) parts.push(`${k.toString('hex')}=${v.toString('hex')}`);
    }
    r.check();
    return parts.join('\n');
  } finally {
    r.close();
  }
}

function flip(b: Buffer, at: number, mask: number): void {
  b.writeUInt8(b.readUInt8(at) ^ mask, at);
}

/** A copy of the pristine snapshot with `edit` applied to its bytes. */
let copies = 0;
function damaged(edit: (b: Buffer) => void): string {
  const path = join(dir, `damaged-${copies++}.db`);
  const b = Buffer.from(pristineBytes);
  edit(b);
  writeFileSync(path, b);
  return path;
}

function refused(path: string, kind: ErrorClass, pgid?: number): BboltCorruptError {
  let caught: unknown;
  try {
    readEverything(path);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof kind, `want ${kind.name}, got ${String(caught)}`);
  assert.ok(caught.message.includes(path), 'the message names the file');
  assert.match(caught.message, /offset \d+/);
  if (pgid !== undefined) {
    assert.equal(caught.pgid, pgid);
    assert.ok(caught.message.includes(`page ${pgid}`), caught.message);
  }
  return caught;
}

/** The tree of bucket `key`: its root (a branch page) and the first leaf under it. */
function keyTree(): { root: number; leaf: number; hwm: number } {
  const r = openBbolt(pristine);
  try {
    const info = [...r.buckets()].find((b) => b.name.toString() === 'key');
    assert.ok(info !== undefined && !info.inline);
    let pgid = info.root;
    assert.equal(pristineBytes.readUInt16LE(pgid * PAGE + 8), 0x01, 'a 3000-key bucket has a branch root');
    const root = pgid;
    while (pristineBytes.readUInt16LE(pgid * PAGE + 8) === 0x01) pgid = Number(pristineBytes.readBigUInt64LE(pgid * PAGE + 16 + 8));
    return { root, leaf: pgid, hwm: r.highWater };
  } finally {
    r.close();
  }
}

describe('bbolt reader: damaged files are refused with the right error', () => {
  before(async () => {
    ({ dir, cleanup } = tempDir());
    pristine = join(dir, 'pristine.db');
    const keys: Pairs = [];
    for (let i = 1; i <= 3000; i++) keys.push([revKey(i), Buffer.alloc(100, i)]);
    await writeBboltFile(pristine, [
      { name: Buffer.from('alarm'), entries: [] },
      { name: Buffer.from('key'), entries: keys },
      { name: Buffer.from('meta'), entries: [[Buffer.from('consistent_index'), Buffer.alloc(8, 7)]] },
    ]);
    await appendSha256(pristine);
    pristineBytes = readFileSync(pristine);
    expected = readEverything(pristine);
  });
  after(() => cleanup());

  test('truncation anywhere before the trailer', () => {
    const size = pristineBytes.byteLength;
    for (const at of [0, 50, 100, PAGE + 50, 2 * PAGE, 3 * PAGE + 1000, Math.floor(size / 2), size - 33]) {
      const path = join(dir, `cut-${at}.db`);
      copyFileSync(pristine, path);
      truncateSync(path, at);
      refused(path, BboltTruncatedError);
    }
  });

  test('cutting off exactly the trailer leaves a valid db without a hash', async () => {
    const path = join(dir, 'no-trailer.db');
    copyFileSync(pristine, path);
    truncateSync(path, pristineBytes.byteLength - 32);
    assert.equal(readEverything(path), expected);
    assert.deepEqual(await verifySnapshotFile(path), { hasHash: false, dbSize: pristineBytes.byteLength - 32 });
  });

  test('one bad meta page: the other is used; both bad: refused', () => {
    const flipMeta1 = damaged((b) => flip(b, PAGE + 16 + 20, 0x04)); // a bit of meta 1's root pgid
    const r1 = openBbolt(flipMeta1);
    assert.equal(r1.metaPage, 0);
    assert.match(r1.rejectedMeta ?? '', /meta page 1: checksum mismatch/);
    r1.close();
    assert.equal(readEverything(flipMeta1), expected);

    const flipMeta0 = damaged((b) => flip(b, 16, 0x01)); // meta 0's magic
    const r0 = openBbolt(flipMeta0);
    assert.equal(r0.metaPage, 1);
    assert.match(r0.rejectedMeta ?? '', /meta page 0: bad magic/);
    r0.close();
    assert.equal(readEverything(flipMeta0), expected);

    const both = damaged((b) => {
      flip(b, 16 + 4, 0x01); // meta 0's version
      flip(b, PAGE + 16 + 56, 0x80); // meta 1's checksum
    });
    const err = refused(both, BboltMetaError, 0);
    assert.match(err.message, /page 0: unsupported version 3; page 1: checksum mismatch/);
  });

  test('an intact file is read through meta page 1, the one with the higher txid', () => {
    const r = openBbolt(pristine);
    assert.equal(r.metaPage, 1, 'meta 1 carries the higher txid');
    assert.equal(r.txid, 1);
    r.close();
  });

  test('branch page: wrong header id, wrong type, child beyond the high-water mark, child pointing at itself', () => {
    const { root, hwm } = keyTree();
    const at = root * PAGE;
    refused(damaged((b) => flip(b, at, 0x01)), BboltPageIdError, root);
    refused(damaged((b) => flip(b, at + 8, 0x08)), BboltPageTypeError, root);
    refused(damaged((b) => b.writeBigUInt64LE(BigInt(hwm + 5), at + 16 + 8)), BboltPageBoundsError, hwm + 5);
    const cycle = refused(damaged((b) => b.writeBigUInt64LE(BigInt(root), at + 16 + 16 + 8)), BboltCycleError, root);
    assert.match(cycle.message, new RegExp(`page ${root} reached twice`));
  });

  test('leaf page: wrong type, keys out of order, an element running past the page', () => {
    const { leaf } = keyTree();
    const at = leaf * PAGE;
    refused(damaged((b) => flip(b, at + 8, 0x20)), BboltPageTypeError, leaf);
    const order = refused(
      damaged((b) => {
        // Zero element 1's key: it now sorts before element 0's.
        const e1 = at + 16 + 16;
        b.fill(0, e1 + b.readUInt32LE(e1 + 4), e1 + b.readUInt32LE(e1 + 4) + b.readUInt32LE(e1 + 8));
      }),
      BboltKeyOrderError,
      leaf,
    );
    assert.match(order.message, /within the page/);
    refused(damaged((b) => b.writeUInt32LE(PAGE * 2, at + 16 + 12)), BboltElementError, leaf);
  });

  test('keys out of order across two leaf pages', () => {
    const { root } = keyTree();
    // Swap the root's first two children: each page is sound, their order is not.
    const path = damaged((b) => {
      const c0 = b.readBigUInt64LE(root * PAGE + 16 + 8);
      const c1 = b.readBigUInt64LE(root * PAGE + 32 + 8);
      b.writeBigUInt64LE(c1, root * PAGE + 16 + 8);
      b.writeBigUInt64LE(c0, root * PAGE + 32 + 8);
    });
    refused(path, BboltKeyOrderError);
  });

  test('a page no tree reaches and the freelist does not list', () => {
    const { hwm } = keyTree();
    const r = openBbolt(pristine);
    const root = r.meta.root;
    r.close();
    // One more page past the old high-water mark, and metas that count it.
    const path = damaged(() => undefined);
    const bytes = Buffer.concat([pristineBytes.subarray(0, hwm * PAGE), Buffer.alloc(PAGE)]);
    const meta = { pageSize: PAGE, root, freelist: 2, pages: hwm + 1 };
    metaPage({ ...meta, id: 0, txid: 0 }).copy(bytes, 0);
    metaPage({ ...meta, id: 1, txid: 1 }).copy(bytes, PAGE);
    writeFileSync(path, bytes);
    refused(path, BboltUnreachablePageError, hwm);
  });

  test('a flipped bit in the trailer or in the data is caught by the SHA-256 check', async () => {
    const size = pristineBytes.byteLength;
    assert.deepEqual(await verifySnapshotFile(pristine), { hasHash: true, dbSize: size - 32 });
    for (const at of [size - 1, size - 32, 5 * PAGE + 3000]) {
      const path = damaged((b) => flip(b, at, 0x10));
      const err = await verifySnapshotFile(path).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof BboltSnapshotHashError, String(err));
      assert.equal(err.offset, size - 32);
      assert.ok(err.message.includes(path));
    }
    assert.equal(statSync(pristine).size, size);
  });
});
