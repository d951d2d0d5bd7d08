import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { raftpb } from '../../../server/src/pb/index.js';
import {
  EntryType,
  type Message,
  MessageType,
  decodeMessage,
  encodeMessage,
  index,
  message,
  messageTypeName,
  nodeId,
  term,
} from '../../../server/src/raft/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A message of the given type with every field that type uses set to something non-zero. */
function full(type: MessageType): Message {
  return message({
    type,
    to: nodeId(0xfedcba9876543210n),
    from: nodeId(0xffffffffffffffffn),
    term: term(7),
    logTerm: term(6),
    index: index(2 ** 53 - 1),
    entries: [
      { term: term(6), index: index(41), type: EntryType.Normal, data: Buffer.from('put a=1') },
      { term: term(7), index: index(42), type: EntryType.ConfChangeV2, data: Buffer.from([0, 1, 2]) },
      { term: term(7), index: index(43), type: EntryType.Normal, data: new Uint8Array(0) },
    ],
    commit: index(40),
    snapshot:
      type === MessageType.MsgSnap
        ? {
            data: Buffer.from('snapshot body'),
            metadata: {
              index: index(39),
              term: term(5),
              confState: { voters: [nodeId(1n), nodeId(2n)], learners: [nodeId(3n)], votersOutgoing: [nodeId(1n)], learnersNext: [], autoLeave: true },
            },
          }
        : undefined,
    reject: true,
    rejectHint: index(12),
    context: Buffer.from('ctx'),
  });
}

describe('raft message codec', () => {
  for (const type of Object.values(MessageType)) {
    test(`${messageTypeName(type)} round-trips with every field intact`, () => {
      const m = full(type);
      const back = decodeMessage(encodeMessage(m));
      assert.deepEqual(normalize(back), normalize(m));
      assert.equal(back.to, 0xfedcba9876543210n);
      assert.equal(back.from, 0xffffffffffffffffn);
    });
  }

  test('a zero message round-trips to itself (no snapshot, empty context)', () => {
    const m = message({ type: MessageType.MsgHeartbeat });
    assert.deepEqual(normalize(decodeMessage(encodeMessage(m))), normalize(m));
  });

  test('a heartbeat encodes as etcd 3.5 (gogoproto, non-nullable fields always written, empty snapshot present)', () => {
    const m = message({ type: MessageType.MsgHeartbeat, to: nodeId(2n), from: nodeId(1n), term: term(5), commit: index(3) });
    // type=8, to=2, from=1, term=5, logTerm=0, index=0, commit=3,
    // snapshot{metadata{conf_state{auto_leave=false}, index=0, term=0}}, reject=false, rejectHint=0; no context.
    assert.equal(hex(encodeMessage(m)), '0808100218012005280030004003' + '4a0a12080a022800100018005000' + '5800');
  });

  test('entries encode without Data when empty and context only when set, as Go leaves nil slices out', () => {
    const m = message({
      type: MessageType.MsgApp,
      to: nodeId(2n),
      from: nodeId(1n),
      term: term(1),
      entries: [{ term: term(1), index: index(1), type: EntryType.Normal, data: new Uint8Array(0) }],
      context: Buffer.from('x'),
    });
    const pb = raftpb.Message.decode(encodeMessage(m));
    assert.equal(pb.entries.length, 1);
    assert.equal(Object.hasOwn(pb.entries[0] as object, 'Data'), false);
    assert.equal(hex(pb.context), '78');
    // the entry sub-message: Type=0, Term=1, Index=1 in field-number order
    assert.ok(hex(encodeMessage(m)).includes('3a06080010011801'));
  });

  test('decoding refuses an unknown message type and indexes beyond 2^53-1', () => {
    assert.throws(() => decodeMessage(raftpb.Message.encode({ type: 99 as MessageType }).finish()), /unknown message type 99/);
    const big = raftpb.Message.encode({ type: MessageType.MsgApp, index: '18446744073709551615' as unknown as number }).finish();
    assert.throws(() => decodeMessage(big), /exceeds 2\^53-1/);
  });
});

/** Buffers and Uint8Arrays compare by content. */
function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array) return `bytes:${hex(v)}`;
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  return v;
}
