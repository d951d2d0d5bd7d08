import type { Message } from './message.js';
import type { Index, NodeId } from './types.js';

/**
 * How the leader answers ReadIndex: `safe` confirms its leadership with a heartbeat round to a
 * quorum; `leaseBased` trusts its lease (needs check-quorum, and a bounded clock drift).
 */
export type ReadOnlyOption = 'safe' | 'leaseBased';

/** The answer to a ReadIndex request: reads may be served once `index` is applied. */
export interface ReadState {
  index: Index;
  requestCtx: Uint8Array;
}

interface Pending {
  req: Message;
  index: Index;
  acks: Map<NodeId, boolean>;
}

/**
 * The leader's queue of ReadIndex requests awaiting a heartbeat round (etcd's readOnly). Each
 * request remembers the commit index at its arrival; a quorum of acks to a request's context
 * releases it and every request queued before it, so one round serves all of them.
 */
export class ReadOnly {
  private readonly pending = new Map<string, Pending>();
  private queue: string[] = [];

  constructor(readonly option: ReadOnlyOption) {}

  /** Queues a request (its first entry's data is the context); a repeated context is ignored. */
  addRequest(index: Index, m: Message): void {
    const ctx = contextKey(m.entries[0]?.data);
    if (this.pending.has(ctx)) return;
    this.pending.set(ctx, { req: m, index, acks: new Map() });
    this.queue.push(ctx);
  }

  /** Records a heartbeat ack carrying `context`; returns the acks so far (undefined: unknown context). */
  recvAck(id: NodeId, context: Uint8Array): Map<NodeId, boolean> | undefined {
    const p = this.pending.get(contextKey(context));
    if (p === undefined) return undefined;
    p.acks.set(id, true);
    return p.acks;
  }

  /** Releases the request with `context` and every one queued before it, oldest first. */
  advance(context: Uint8Array): { req: Message; index: Index }[] {
    const ctx = contextKey(context);
    const at = this.queue.indexOf(ctx);
    if (at < 0) return [];
    const released = this.queue.slice(0, at + 1).map((k) => {
      const p = this.pending.get(k) as Pending;
      this.pending.delete(k);
      return { req: p.req, index: p.index };
    });
    this.queue = this.queue.slice(at + 1);
    return released;
  }

  /** The context of the newest queued request (heartbeats carry it), or undefined. */
  lastPendingRequestCtx(): Uint8Array | undefined {
    const last = this.queue[this.queue.length - 1];
    return last === undefined ? undefined : Buffer.from(last, 'latin1');
  }

  get size(): number {
    return this.queue.length;
  }
}

function contextKey(data: Uint8Array | undefined): string {
  if (data === undefined) return '';
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
}
