import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EntryType,
  decodeEntry,
  decodeHardState,
  decodeSnapshot,
  encodeEntry,
  encodeHardState,
  encodeSnapshot,
  index,
  nodeId,
  term,
} from '../../../server/src/raft/index.js';

test('an entry encodes as etcd encodes raftpb.Entry (fields in number order, zero values kept)', () => {
  const bytes = encodeEntry({ term: term(3), index: index(7), type: EntryType.Normal, data: Buffer.from('hi') });
  assert.equal(Buffer.from(bytes).toString('hex'), '08001003180722026869');
  assert.deepEqual(decodeEntry(bytes), { term: 3, index: 7, type: 0, data: Buffer.from('hi') });
});

test('hard state and snapshot round-trip, with 64-bit member ids exact', () => {
  const hs = { term: term(9), vote: nodeId(0xfedcba9876543210n), commit: index(123456789) };
  assert.deepEqual(decodeHardState(encodeHardState(hs)), hs);
  const snap = {
    data: Buffer.from('state'),
    metadata: {
      index: index(100),
      term: term(4),
      confState: { voters: [nodeId(1n), nodeId(0xffffffffffffffffn)], learners: [nodeId(7n)], votersOutgoing: [], learnersNext: [], autoLeave: false },
    },
  };
  assert.deepEqual(decodeSnapshot(encodeSnapshot(snap)), snap);
});

test('a term beyond 2^53-1 is refused at decode', () => {
  const bytes = Buffer.from('1080808080808080800118012200', 'hex'); // Term = 2^56
  assert.throws(() => decodeEntry(bytes), /exceeds 2\^53-1/);
});
