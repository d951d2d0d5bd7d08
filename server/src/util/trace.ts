/**
 * Per-subsystem debug tracing, off by default: `CAIRN_TRACE=wal,backend` (or `*`) prints
 * trace lines to stderr for those subsystems.
 */
const enabled = new Set((process.env['CAIRN_TRACE'] ?? '').split(',').map((s) => s.trim()).filter(Boolean));

export type Tracer = (msg: string, ...args: unknown[]) => void;

const silent: Tracer = () => {};

export function tracer(subsystem: string): Tracer {
  if (!enabled.has(subsystem) && !enabled.has('*')) return silent;
  return (msg, ...args) => console.error(`[${new Date().toISOString()}] ${subsystem}: ${msg}`, ...args);
}
