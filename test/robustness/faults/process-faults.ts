// Faults on member processes: kill -9 (then restart), SIGSTOP/SIGCONT, and a crash at a named
// failpoint (the member is restarted with CAIRN_FAILPOINTS="name=count(N)->exit" and dies there
// on its own; the cluster restarts it without the failpoint).
import type { Fault } from './fault.js';
import { victim } from './fault.js';
import { sleep } from '../harness/wait.js';

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
    const spec = `${name}=count(${Math.floor(ctx.rand() * 5)})->exit`;
    ctx.rec.fault('failpoint', `restart ${m.spec.name} with ${spec}`);
    await ctx.cluster.kill(m);
    await sleep(50);
    ctx.cluster.restart(m, [spec]);
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
