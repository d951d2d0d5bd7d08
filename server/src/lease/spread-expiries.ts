import type { Lease } from './lease.js';

/**
 * After a promotion every lease's clock restarts at once, so leases that were granted in a
 * burst would all expire in the same second and their revocations would exceed the rate the
 * leader revokes at (leaseRevokeRate per second). Like etcd 3.4, when there are at least
 * `revokeRate` leases, walk them in expiry order in one-second windows and push back the
 * leases beyond three quarters of the rate in each window, by as much as their place in the
 * pile-up needs, less how far they already are past the window's start.
 *
 * `touched` is called for every lease whose expiry changed.
 */
export function spreadExpiries(leases: Lease[], now: number, extendMs: number, revokeRate: number, touched: (l: Lease) => void): void {
  if (leases.length < revokeRate || leases.length === 0) return;
  const sorted = [...leases].sort((a, b) => a.expiry - b.expiry || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const target = Math.floor((3 * revokeRate) / 4);
  let windowStart = (sorted[0] as Lease).remainingMs(now);
  let windowEnd = windowStart + 1000;
  let inWindow = 0;
  for (const l of sorted) {
    const remaining = l.remainingMs(now);
    if (remaining > windowEnd) {
      windowStart = remaining;
      windowEnd = windowStart + 1000;
      inWindow = 1;
      continue;
    }
    inWindow++;
    if (inWindow <= target) continue;
    const delay = Math.trunc(1000 * (inWindow / target) - (remaining - windowStart));
    windowEnd = windowStart + delay;
    l.refresh(now, delay + extendMs);
    touched(l);
  }
}
