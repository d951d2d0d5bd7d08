import { Counter, Gauge, Histogram, type Registry, exponentialBuckets } from 'prom-client';

type CounterOf<L extends string> = Counter<L>;

/**
 * The transport's Prometheus metrics, with etcd's names, help and labels (rafthttp): peers are
 * labelled by member id in hex (`To` on the sending side, `From` on the receiving side), so
 * dashboards written for etcd read Cairn unchanged. Without a registry the metrics still count
 * (tests read them) but are exported nowhere. Several transports may share one registry: an
 * already registered metric is reused.
 */
export class TransportMetrics {
  readonly sentBytes: CounterOf<'To'>;
  readonly receivedBytes: CounterOf<'From'>;
  readonly sentFailures: CounterOf<'To'>;
  readonly receivedFailures: CounterOf<'From'>;
  readonly roundTrip: Histogram<'To'>;
  readonly activePeers: Gauge<'Local' | 'Remote'>;
  readonly snapshotSendSuccess: CounterOf<'To'>;
  readonly snapshotSendFailures: CounterOf<'To'>;
  readonly snapshotReceiveSuccess: CounterOf<'From'>;
  readonly snapshotReceiveFailures: CounterOf<'From'>;

  constructor(registry: Registry | undefined) {
    const to = ['To'] as const;
    const from = ['From'] as const;
    this.sentBytes = counter(registry, 'etcd_network_peer_sent_bytes_total', 'The total number of bytes sent to peers.', to);
    this.receivedBytes = counter(registry, 'etcd_network_peer_received_bytes_total', 'The total number of bytes received from peers.', from);
    this.sentFailures = counter(registry, 'etcd_network_peer_sent_failures_total', 'The total number of send failures from peers.', to);
    this.receivedFailures = counter(registry, 'etcd_network_peer_received_failures_total', 'The total number of receive failures from peers.', from);
    this.snapshotSendSuccess = counter(registry, 'etcd_network_snapshot_send_success', 'Total number of successful snapshot sends', to);
    this.snapshotSendFailures = counter(registry, 'etcd_network_snapshot_send_failures', 'Total number of snapshot send failures', to);
    this.snapshotReceiveSuccess = counter(registry, 'etcd_network_snapshot_receive_success', 'Total number of successful snapshot receives', from);
    this.snapshotReceiveFailures = counter(registry, 'etcd_network_snapshot_receive_failures', 'Total number of snapshot receive failures', from);
    this.roundTrip = existing<Histogram<'To'>>(registry, 'etcd_network_peer_round_trip_time_seconds') ??
      new Histogram({
        name: 'etcd_network_peer_round_trip_time_seconds',
        help: 'Round-Trip-Time histogram between peers',
        labelNames: to,
        // 0.1 ms doubling to about 3.3 s, as etcd's.
        buckets: exponentialBuckets(0.0001, 2, 16),
        registers: registry === undefined ? [] : [registry],
      });
    this.activePeers = existing<Gauge<'Local' | 'Remote'>>(registry, 'etcd_network_active_peers') ??
      new Gauge({
        name: 'etcd_network_active_peers',
        help: 'The current number of active peer connections.',
        labelNames: ['Local', 'Remote'] as const,
        registers: registry === undefined ? [] : [registry],
      });
  }
}

function existing<T>(registry: Registry | undefined, name: string): T | undefined {
  return registry?.getSingleMetric(name) as T | undefined;
}

function counter<L extends string>(registry: Registry | undefined, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return existing<Counter<L>>(registry, name) ?? new Counter<L>({ name, help, labelNames, registers: registry === undefined ? [] : [registry] });
}
