/**
 * The pure numbers behind the charts: percentiles, means, CDF points and the models drawn next
 * to the measurements. No DOM, so each is unit-tested (test/metrics.test.ts).
 */
import { wsFrameHeaderSize } from '../../protocol/ws-frame.ts';

/**
 * The p-th percentile (0–100) of `sorted` (ascending), nearest-rank: the smallest value with at
 * least p% of the values at or below it. NaN for no values, so "no data" is never shown as 0.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)] ?? Number.NaN;
}

/** Arithmetic mean; NaN for no values. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Points of the empirical CDF, at most `maxPoints` of them (evenly spaced ranks), for a line
 * chart: x = latency, y = share of messages delivered within it.
 */
export function cdfPoints(sorted: readonly number[], maxPoints = 200): { x: number; y: number }[] {
  const n = sorted.length;
  if (n === 0) return [];
  const step = Math.max(1, Math.floor(n / maxPoints));
  const out: { x: number; y: number }[] = [];
  for (let i = step - 1; i < n; i += step) out.push({ x: sorted[i] ?? 0, y: (i + 1) / n });
  const last = out[out.length - 1];
  if (!last || last.y < 1) out.push({ x: sorted[n - 1] ?? 0, y: 1 });
  return out;
}

/**
 * The interval-polling model: a message published at a uniformly random moment waits for the
 * next poll, T/2 on average and at most T (plus one round trip, not modelled here).
 */
export function pollWaitModel(intervalMs: number): { meanMs: number; maxMs: number } {
  return { meanMs: intervalMs / 2, maxMs: intervalMs };
}

/**
 * RFC 6455 frame header size for a payload: 2/4/10 bytes server → client, +4 (mask key)
 * client → server. Re-exported from the meter's own model so page and server cannot differ.
 */
export function frameHeaderModel(payloadLength: number): { serverToClient: number; clientToServer: number } {
  return {
    serverToClient: wsFrameHeaderSize(payloadLength, false),
    clientToServer: wsFrameHeaderSize(payloadLength, true),
  };
}

/** UTF-8 length of a string, as the wire carries it. */
export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** A ms figure for a label: one decimal below 100, none above; "–" for NaN. */
export function formatMs(v: number): string {
  if (!Number.isFinite(v)) return '–';
  return v < 100 ? v.toFixed(1) : v.toFixed(0);
}

/** Requests per delivered message; NaN when nothing was delivered. */
export function requestsPerMessage(requests: number, delivered: number): number {
  return delivered > 0 ? requests / delivered : Number.NaN;
}
