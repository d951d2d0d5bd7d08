import type { Message, NodeId } from '../../../../server/src/raft/index.js';
import type { Prng } from './prng.js';

/** Fault settings of the network; all 0 means a reliable (but still reordering) network. */
export interface NetworkFaults {
  /** Probability that a delivered message is lost instead. */
  drop: number;
  /** Probability that a delivered message stays queued for a second delivery. */
  duplicate: number;
}

/** What happened to the message picked for delivery. */
export type Delivery =
  | { kind: 'deliver'; msg: Message; duplicated: boolean }
  | { kind: 'drop'; msg: Message; reason: 'random' | 'partition' };

/**
 * The simulated network: a bag of messages in flight. Delivery picks a random one, so
 * messages are delayed and reordered arbitrarily; a partition (nodes in different groups)
 * loses messages between groups at delivery time. Messages are copied when sent and when
 * delivered, because raft mutates the messages it steps (a forwarded proposal gets a new `to`).
 */
export class SimNetwork {
  private inFlight: Message[] = [];
  private group = new Map<NodeId, number>();
  faults: NetworkFaults = { drop: 0, duplicate: 0 };

  constructor(private readonly prng: Prng) {}

  get size(): number {
    return this.inFlight.length;
  }

  send(msgs: readonly Message[]): void {
    for (const m of msgs) this.inFlight.push(structuredClone(m));
  }

  /** Puts nodes in groups: only nodes of one group talk. */
  partition(groups: NodeId[][]): void {
    this.group.clear();
    groups.forEach((g, i) => {
      for (const id of g) this.group.set(id, i);
    });
  }

  heal(): void {
    this.group.clear();
  }

  get partitioned(): boolean {
    return this.group.size > 0;
  }

  connected(a: NodeId, b: NodeId): boolean {
    return (this.group.get(a) ?? 0) === (this.group.get(b) ?? 0);
  }

  /** Takes a random message out of the network (or leaves a copy for a duplicate). */
  next(): Delivery | undefined {
    if (this.inFlight.length === 0) return undefined;
    const i = this.prng.int(this.inFlight.length);
    const msg = this.inFlight[i] as Message;
    const duplicated = this.prng.chance(this.faults.duplicate);
    if (!duplicated) {
      this.inFlight[i] = this.inFlight[this.inFlight.length - 1] as Message;
      this.inFlight.pop();
    }
    if (!this.connected(msg.from, msg.to)) return { kind: 'drop', msg, reason: 'partition' };
    if (this.prng.chance(this.faults.drop)) return { kind: 'drop', msg, reason: 'random' };
    return { kind: 'deliver', msg: structuredClone(msg), duplicated };
  }

  /** Forgets everything in flight (a heal starts from a quiet network); returns what was lost. */
  clear(): Message[] {
    const lost = this.inFlight;
    this.inFlight = [];
    return lost;
  }

  /** Test hook: takes out the first message matching `pred`, delivered reliably. */
  take(pred: (m: Message) => boolean): Message | undefined {
    const i = this.inFlight.findIndex(pred);
    if (i < 0) return undefined;
    const [m] = this.inFlight.splice(i, 1);
    return m;
  }
}
