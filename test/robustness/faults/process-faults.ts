// Faults on member processes: kill -9 (then restart), SIGSTOP/SIGCONT, and a crash at a named
// failpoint (the member is restarted with CAIRN_FAILPOINTS="name=count(N)->exit" and dies there
// on its own; the cluster restarts it without the failpoint).
import { kvService, maintenanceService } from '../../../server/src/pb/index.js';
import type { Member } from '../harness/cluster.js';
import { num, unary } from '../harness/grpc.js';
import type { Fault, FaultContext } from './fault.js';
import { victim } from './fault.js';
import { sleep, until } from '../harness/wait.js';

export const killFault: Fault = {
  kind: 'kill',
  applies: () => true,
  async inject(ctx) {
    const m = await victim(ctx, 0.5);
    ctx.rec.fault('kill', `kill -9 ${m.spec.name}`);
    await ctx.cluster.kill(m);
    return async () => {
      ctx.rec.fault('', `restart ${m.spec.name}`);
      ctx.cluster.restart(m);
    };
  },
};

export const pauseFault: Fault = {
  kind: 'pause',
  applies: () => true,
  async inject(ctx) {
    const m = await victim(ctx, 0.5);
    ctx.rec.fault('pause', `SIGSTOP ${m.spec.name}`);
    m.proc.pause();
    return async () => {
      ctx.rec.fault('', `SIGCONT ${m.spec.name}`);
      m.proc.resume();
    };
  },
};

export const failpointFault: Fault = {
  kind: 'failpoint',
  applies: (c) => c.opts.target === 'cairn',
  async inject(ctx) {
    if (ctx.failpoints.length === 0) return async () => undefined;
    const m = await victim(ctx, 0.5);
    const name = ctx.failpoints[Math.floor(ctx.rand() * ctx.failpoints.length)]!;
    // Points met once per operation (compaction, defragment, snapshot install) fire the first time.
    const skip = DRIVEN.test(name) ? 0 : Math.floor(ctx.rand() * 5);
    const spec = `${name}=count(${skip})->exit`;
    ctx.rec.fault('failpoint', `restart ${m.spec.name} with ${spec}`);
    await ctx.cluster.kill(m);
    await sleep(50);
    ctx.cluster.restart(m, [spec]);
    await driveTo(ctx, m, name).catch((err: unknown) => ctx.rec.fault('', `driving ${m.spec.name} to ${name}: ${err instanceof Error ? err.message : String(err)}`));
    return async () => {
      // Still armed if it never got there: restart it plainly (a crash, which is fine too).
      if (m.proc.running) {
        ctx.rec.fault('', `disarm ${m.spec.name} (kill -9 and restart)`);
        await ctx.cluster.kill(m);
      }
      ctx.cluster.restart(m);
    };
  },
};

/** Failpoints on paths the load alone rarely takes: the fault takes the member there. */
const DRIVEN = /^(compact|defrag|raft)/;

/**
 * Takes the armed member down the path of its failpoint, so that rare paths are crossed while
 * armed: WAL, apply, backend and raft snapshot points are met by the load itself; compaction and
 * defragment points need that operation on the member; snapshot install points need the member
 * cut off until the others moved on (it then catches up by a snapshot).
 */
async function driveTo(ctx: FaultContext, m: Member, name: string): Promise<void> {
  if (!DRIVEN.test(name)) return;
  await ctx.cluster.waitServing(m, 10_000);
  if (name.startsWith('defrag')) {
    await unary(m.admin.maint, maintenanceService.Defragment, {}, 10_000);
    return;
  }
  const revision = async (of: Member): Promise<number> => num((await unary(of.admin.maint, maintenanceService.Status, {}, 2_000)).header?.revision);
  if (name.startsWith('compact')) {
    const target = Math.max(1, (await revision(m)) - 20);
    if (target <= ctx.rec.compactedUpTo) return;
    ctx.rec.compactedUpTo = target;
    await unary(m.admin.kv, kvService.Compact, { revision: target, physical: true }, 10_000);
    return;
  }
  const other = ctx.cluster.members.find((x) => x !== m && x.inCluster && x.proc.running);
  if (m.id === undefined || other === undefined || ctx.cluster.members.length < 3) return;
  const start = await revision(other);
  ctx.cluster.peers.isolate(m.id);
  try {
    await until('the others to move on while the armed member is cut off', async () => ((await revision(other).catch(() => 0)) >= start + 400 ? true : undefined), 15_000);
  } finally {
    ctx.cluster.peers.heal();
  }
}
