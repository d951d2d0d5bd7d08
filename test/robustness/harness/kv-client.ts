// A recording KV client: each request goes to one member (through its client proxy) with a
// deadline, and lands in the history as the checker wants it. A request that timed out or lost
// its connection is recorded with unknown outcome and the client continues under a new id, as a
// crashed client would (its old request may still take effect at any time).
import { etcdserverpb as pb, kvService } from '../../../server/src/pb/index.js';
import type { CasExpect, Input, Output } from '../checker/history.js';
import { bytes, definitelyFailed, num, text, type Connection, unary } from './grpc.js';
import type { Recorder } from './history.js';

const CMP = pb.Compare;

export class KvClient {
  id: number;

  constructor(
    private readonly rec: Recorder,
    readonly conn: Connection,
    private readonly timeoutMs = 2_000,
  ) {
    this.id = rec.clientId();
  }

  /** Runs one operation, records it, and returns its output (undefined: unknown or failed). */
  async run(input: Input): Promise<Output | undefined> {
    const call = this.rec.now();
    try {
      const out = await this.send(input);
      this.rec.record(this.id, call, input, out);
      return out;
    } catch (err) {
      if (input.kind === 'get' || definitelyFailed(err)) {
        this.rec.count(input.kind, 'failed');
        return undefined;
      }
      this.rec.record(this.id, call, input, undefined);
      this.id = this.rec.clientId();
      return undefined;
    }
  }

  private async send(input: Input): Promise<Output> {
    const kv = this.conn.kv;
    switch (input.kind) {
      case 'get': {
        const r = await unary(kv, kvService.Range, { key: bytes(input.key) }, this.timeoutMs);
        const got = r.kvs[0];
        const revision = num(r.header?.revision);
        if (got === undefined) return { kind: 'get', value: null, revision };
        return { kind: 'get', value: text(got.value), revision, modRevision: num(got.modRevision) };
      }
      case 'put': {
        const r = await unary(kv, kvService.Put, { key: bytes(input.key), value: bytes(input.value) }, this.timeoutMs);
        return { kind: 'put', revision: num(r.header?.revision) };
      }
      case 'delete': {
        const r = await unary(kv, kvService.DeleteRange, { key: bytes(input.key) }, this.timeoutMs);
        return { kind: 'delete', deleted: num(r.deleted), revision: num(r.header?.revision) };
      }
      case 'cas': {
        const r = await unary(kv, kvService.Txn, {
          compare: [compareFor(input.key, input.expect)],
          success: [{ requestPut: { key: bytes(input.key), value: bytes(input.value) } }],
          failure: [],
        }, this.timeoutMs);
        return { kind: 'cas', succeeded: r.succeeded, revision: num(r.header?.revision) };
      }
    }
  }
}

/** The txn compare for a cas: value equality (absent = version 0), or mod revision equality. */
function compareFor(key: string, expect: CasExpect): pb.ICompare {
  if (expect.kind === 'modRevision') {
    return { key: bytes(key), result: CMP.CompareResult.EQUAL, target: CMP.CompareTarget.MOD, modRevision: expect.modRevision };
  }
  if (expect.value === null) return { key: bytes(key), result: CMP.CompareResult.EQUAL, target: CMP.CompareTarget.VERSION, version: 0 };
  return { key: bytes(key), result: CMP.CompareResult.EQUAL, target: CMP.CompareTarget.VALUE, value: bytes(expect.value) };
}
