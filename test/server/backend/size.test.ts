import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Bucket } from '../../../server/src/backend/index.js';
import { revKey, withBackend } from './helpers.js';

describe('sizes', () => {
  test('size >= sizeInUse; in-use grows with data, drops after deletes, and defrag brings size down to it', async () => {
    await withBackend(async (b) => {
      const check = (): { size: number; inUse: number } => {
        const size = b.size();
        const inUse = b.sizeInUse();
        assert.ok(size >= inUse, `size ${size} >= inUse ${inUse}`);
        assert.ok(inUse > 0);
        return { size, inUse };
      };
      const empty = check();
      for (let i = 0; i < 5000; i++) b.put(Bucket.key, revKey(i), Buffer.alloc(400, i & 0xff));
      await b.commit();
      const full = check();
      assert.ok(full.inUse > empty.inUse + 5000 * 400, `in use ${full.inUse} holds the 2 MB written`);
      for (let i = 0; i < 5000; i++) if (i % 20 !== 0) b.delete(Bucket.key, revKey(i));
      await b.commit();
      const deleted = check();
      assert.ok(deleted.inUse < full.inUse / 4, `in use drops after deletes: ${deleted.inUse} < ${full.inUse}/4`);
      assert.ok(deleted.size >= full.size, 'the file does not shrink by itself');
      await b.defrag();
      const after = check();
      assert.ok(after.size < deleted.size / 4, `defrag shrinks the file: ${after.size} < ${deleted.size}/4`);
      assert.ok(after.inUse <= deleted.inUse, `${after.inUse} <= ${deleted.inUse}`);
      assert.ok(after.size - after.inUse <= 4 * 4096, `little free space after defrag: ${after.size} - ${after.inUse}`);
    });
  });
});
