// The loads both comparison benchmarks run (single member: compare-etcd.bench.ts; three members:
// cluster.bench.ts), as `cairn bench` arguments, so both tables measure the same thing.

export interface Load {
  readonly name: string;
  readonly args: readonly string[];
  /** Run before the measured load (not measured), e.g. to create the key a range reads. */
  readonly prepare?: readonly string[];
}

// Puts: 256-byte values, 8-byte keys drawn uniformly from 100,000 (as in etcd's performance docs).
const PUT = ['--key-size', '8', '--val-size', '256', '--key-space-size', '100000'];
const RANGE_KEY = '00000000';
const PREPARE_RANGE = ['put', '--total', '1', '--key-size', '8', '--val-size', '256', '--sequential-keys'];
const MANY = ['--clients', '1000', '--conns', '100'];
// 100 Watch streams x 10 watchers over 10 connections, all on one key: each put is 1,000 events.
const WATCH_FANOUT = ['--streams', '100', '--watch-per-stream', '10', '--watched-key-total', '1', '--conns', '10', '--val-size', '256'];

/** The loads, with totals divided by 10 when quick (the paced watch load: 50 puts instead of 250). */
export function benchLoads(quick: boolean): readonly Load[] {
  const scale = (n: number): number => (quick ? Math.max(1, Math.round(n / 10)) : n);
  return [
    { name: 'put, 1 client', args: ['put', ...PUT, '--total', String(scale(2000))] },
    { name: 'put, 1000 clients / 100 conns', args: ['put', ...PUT, ...MANY, '--total', String(scale(50000))] },
    { name: 'range l, 1 client', prepare: PREPARE_RANGE, args: ['range', RANGE_KEY, '--consistency', 'l', '--total', String(scale(10000))] },
    { name: 'range s, 1 client', prepare: PREPARE_RANGE, args: ['range', RANGE_KEY, '--consistency', 's', '--total', String(scale(10000))] },
    { name: 'range l, 1000 clients / 100 conns', prepare: PREPARE_RANGE, args: ['range', RANGE_KEY, '--consistency', 'l', ...MANY, '--total', String(scale(100000))] },
    { name: 'range s, 1000 clients / 100 conns', prepare: PREPARE_RANGE, args: ['range', RANGE_KEY, '--consistency', 's', ...MANY, '--total', String(scale(100000))] },
    { name: 'txn-put (4 puts), 100 clients / 10 conns', args: ['txn-put', ...PUT, '--txn-ops', '4', '--clients', '100', '--conns', '10', '--total', String(scale(20000))] },
    { name: 'lease-keepalive, 100 clients / 10 conns', args: ['lease-keepalive', '--clients', '100', '--conns', '10', '--total', String(scale(50000))] },
    {
      name: 'watch: 1000 watchers on 1 key, puts by 10 clients, unpaced (events/s)',
      args: ['watch', ...WATCH_FANOUT, '--clients', '10', '--put-total', String(scale(500))],
    },
    {
      name: 'watch: 1000 watchers on 1 key, 50 puts/s (events/s)',
      args: ['watch', ...WATCH_FANOUT, '--clients', '2', '--put-rate', '50', '--put-total', String(quick ? 50 : 250)],
    },
  ];
}
