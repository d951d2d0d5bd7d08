// Faults on links: isolate a member, split the cluster into a majority and a minority, and on
// client links delay, drop or black-hole a member's traffic. A member black-holed while the others
// write a few hundred revisions must then catch up by snapshot (the cluster snapshots every 200).
import { maintenanceService } from '../../../server/src/pb/index.js';
import { num, unary } from '../harness/grpc.js';
import { PASS } from '../harness/tcp-proxy.js';
import { until } from '../harness/wait.js';
import { follower, victim, type Fault, type FaultContext, type Heal } from './fault.js';

/** The heal of every peer-link fault: all links pass again. */
function healPeerLinks(ctx: FaultContext): Heal {
  return async () => {
    ctx.rec.fault('', 'heal peer links');
    ctx.cluster.peers.heal();
  };
}

export const isolateFault: Fault = {
  kind: 'isolate',
  applies: (c) => c.members.length >= 3,
  async inject(ctx) {
    const m = await victim(ctx, 0.5);
    ctx.rec.fault('isolate', `isolate ${m.spec.name} from its peers`);
    if (m.id !== undefined) ctx.cluster.peers.isolate(m.id);
    return healPeerLinks(ctx);
  },
};

export const splitFault: Fault = {
  kind: 'split',
  applies: (c) => c.members.length >= 3,
  async inject(ctx) {
    const members = [...ctx.cluster.members].sort(() => ctx.rand() - 0.5);
    const minority = members.slice(0, Math.floor((members.length - 1) / 2));
    const majority = members.slice(minority.length);
    const ids = (ms: typeof members): bigint[] => ms.flatMap((m) => (m.id === undefined ? [] : [m.id]));
    ctx.rec.fault('split', `partition {${minority.map((m) => m.spec.name)}} | {${majority.map((m) => m.spec.name)}}`);
    ctx.cluster.peers.partition([ids(minority), ids(majority)]);
    return healPeerLinks(ctx);
  },
};

/** A follower cut off until the leader's revision moved on by `revisions` (bounded wait). */
export const snapshotBlackholeFault: Fault = {
  kind: 'blackhole-snapshot',
  applies: (c) => c.members.length >= 3,
  async inject(ctx) {
    const m = await follower(ctx);
    if (m.id === undefined) return async () => undefined;
    const rev = async (): Promise<number> => {
      const others = ctx.cluster.members.filter((x) => x !== m && x.proc.running && !x.proc.paused);
      for (const o of others) {
        try {
          return num((await unary(o.admin.maint, maintenanceService.Status, {}, 1_000)).header?.revision);
        } catch {
          // try the next one
        }
      }
      return 0;
    };
    const start = await rev();
    ctx.rec.fault('blackhole-snapshot', `black-hole ${m.spec.name} until 400 revisions pass (from ${start})`);
    ctx.cluster.peers.isolate(m.id);
    return async () => {
      await until('400 revisions while a member is cut off', async () => ((await rev()) >= start + 400 ? true : undefined), 15_000).catch(() => undefined);
      ctx.rec.fault('', `heal peer links (revision ${await rev()})`);
      ctx.cluster.peers.heal();
    };
  },
};

/** A member's peer links slowed (20-300 ms per chunk each way) or flapping (reset whenever used). */
export const peerLinkFault: Fault = {
  kind: 'peer-link',
  applies: (c) => c.members.length >= 3,
  async inject(ctx) {
    const m = await victim(ctx, 0.5);
    if (m.id === undefined) return async () => undefined;
    const mode = ctx.rand() < 0.6 ? { kind: 'delay' as const, ms: 20 + Math.floor(ctx.rand() * 280) } : { kind: 'drop' as const };
    ctx.rec.fault(`peer-${mode.kind}`, `peer links of ${m.spec.name}: ${mode.kind}${mode.kind === 'delay' ? ` ${mode.ms} ms` : ''}`);
    ctx.cluster.peers.degrade(m.id, mode);
    return healPeerLinks(ctx);
  },
};

export const clientLinkFault: Fault = {
  kind: 'client-link',
  applies: () => true,
  async inject(ctx) {
    const m = await victim(ctx, 0.3);
    const r = ctx.rand();
    const mode = r < 0.4 ? { kind: 'delay' as const, ms: 20 + Math.floor(ctx.rand() * 400) } : r < 0.7 ? { kind: 'drop' as const } : { kind: 'blackhole' as const };
    ctx.rec.fault(`client-${mode.kind}`, `client link of ${m.spec.name}: ${mode.kind}${mode.kind === 'delay' ? ` ${mode.ms} ms` : ''}`);
    ctx.cluster.setClientMode(m, mode);
    return async () => {
      ctx.rec.fault('', `client link of ${m.spec.name}: pass`);
      ctx.cluster.setClientMode(m, PASS);
    };
  },
};
