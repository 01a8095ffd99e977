/**
 * Figures derived from a stored `TransportResult` rather than stored themselves (they follow
 * from stored ones, so storing them would only let them disagree). Shared by the targets, the
 * tables, the charts and the conclusions so that all four compute them the same way.
 */
import { TRANSPORT_NAMES, type TransportName } from '../protocol/wire.ts';
import type { Run, TransportResult } from './results-schema.ts';

/** HTTP requests per client per second in the window; null without clients or time. */
export function requestsPerSecPerClient(r: TransportResult): number | null {
  return r.clients > 0 && r.durationMs > 0 ? (r.requests * 1000) / r.clients / r.durationMs : null;
}

/** Wire bytes (both directions, header + payload) per client per minute: what waiting costs. */
export function bytesPerClientPerMinute(r: TransportResult): number | null {
  if (r.clients === 0 || r.durationMs <= 0) return null;
  const total = r.bytes.in.header + r.bytes.in.payload + r.bytes.out.header + r.bytes.out.payload;
  return (total * 60_000) / r.clients / r.durationMs;
}

/** Deliveries per second in the window. */
export function deliveriesPerSec(r: TransportResult): number {
  return r.durationMs > 0 ? (r.delivered * 1000) / r.durationMs : 0;
}

/** The transports a run measured, in the canonical order. */
export function transportsOf(run: Run): Array<[TransportName, TransportResult]> {
  return TRANSPORT_NAMES.flatMap((t) => {
    const r = run.transports[t];
    return r ? [[t, r] as [TransportName, TransportResult]] : [];
  });
}
