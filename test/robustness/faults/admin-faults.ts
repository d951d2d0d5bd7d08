// Operations an administrator runs during load: compaction (to a recent revision) and defragment
// of a member, and replacing a member with a fresh one (remove, wipe, add as learner, promote).
import { kvService, maintenanceService } from '../../../server/src/pb/index.js';
import { num, unary } from '../harness/grpc.js';
import { victim, type Fault } from './fault.js';

export const compactDefragFault: Fault = {
  kind: 'compact-defrag',
  applies: () => true,
  async inject(ctx) {
    const m = await victim(ctx, 0.3);
    try {
      const s = await unary(m.admin.maint, maintenanceService.Status, {}, 2_000);
      const target = Math.max(1, num(s.header?.revision) - 50);
      if (target > ctx.rec.compactedUpTo) {
        ctx.rec.compactedUpTo = target;
        await unary(m.admin.kv, kvService.Compact, { revision: target, physical: ctx.rand() < 0.5 }, 5_000);
        ctx.rec.fault('compact', `compact to ${target} via ${m.spec.name}`);
      }
      await unary(m.admin.maint, maintenanceService.Defragment, {}, 10_000);
      ctx.rec.fault('defrag', `defragment ${m.spec.name}`);
    } catch (err) {
      ctx.rec.fault('', `compact/defrag via ${m.spec.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    return async () => undefined;
  },
};

export const replaceFault: Fault = {
  kind: 'replace',
  applies: (c) => c.members.length >= 3,
  async inject(ctx) {
    const m = await victim(ctx, 0.3);
    ctx.rec.fault('replace', `replace ${m.spec.name} with a fresh member`);
    try {
      await ctx.cluster.replace(m, (s) => ctx.rec.fault('', s));
    } catch (err) {
      ctx.rec.fault('', `replacing ${m.spec.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    return async () => undefined;
  },
};
