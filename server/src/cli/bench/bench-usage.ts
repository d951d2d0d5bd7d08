/** The help text of `cairn bench`; flag names and defaults follow etcd's `benchmark` tool. */
export const BENCH_USAGE = `usage: cairn bench <put|range|txn-put|watch|lease-keepalive> [flags]

A load generator for etcd's v3 gRPC API (Cairn or etcd). Clients are concurrent requesters, each
with one request in flight, sharing --conns HTTP/2 connections; both are spread over --workers
threads. Prints a summary, a response time histogram and a latency distribution, or with --json
one object: {command, total, errors, seconds, requestsPerSec, averageMs, p50Ms, p90Ms, p99Ms, p999Ms, slowestMs}.

Global flags:
  --endpoints LIST     comma-separated host:port (default 127.0.0.1:2379)
  --conns N            gRPC connections (default 1)
  --clients N          concurrent clients (default 1)
  --total N            requests to send (default 10000; not for watch)
  --workers N          load generator threads (default: CPU cores)
  --json               print one JSON object instead of the text report

put              random (or --sequential-keys) keys over --key-space-size (default 1)
  --key-size 8  --val-size 8  --key-space-size 1  --sequential-keys
range KEY [END]  Range requests for KEY, or [KEY, END)
  --consistency l|s    linearizable (default) or serializable
txn-put          Txn requests, each with --txn-ops puts on distinct keys
  --key-size 8  --val-size 8  --key-space-size 1  --sequential-keys  --txn-ops 1
lease-keepalive  one lease per client, kept alive over one LeaseKeepAlive stream per client
watch            fan-out: --streams Watch streams x --watch-per-stream watchers over
                 --watched-key-total keys, then --put-total puts (--clients putters) on those keys.
                 Measures each event's put->event latency and events delivered per second.
  --streams 10  --watch-per-stream 10  --watched-key-total 1  --put-total 1000  --val-size 8
  --put-rate N         puts/s over all putters (default 0: as fast as they go)`;
