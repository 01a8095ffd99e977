/**
 * Latency summaries from raw samples: percentiles from an HdrHistogram (the standard for
 * latency: constant relative error, no sample kept), mean and max exact, and a compact CDF for
 * the charts. Pure.
 */
import { build } from 'hdr-histogram-js';
import type { LatencySummary } from './results-schema.ts';

/** Most points a CDF keeps: enough for a smooth curve, small enough for results.json. */
export const CDF_MAX_POINTS = 200;

/** Tail levels every CDF keeps, so p99.9 is on the curve and not interpolated away. */
const TAIL = [0.99, 0.995, 0.999, 0.9995, 0.9999];

/** Samples are recorded in µs so sub-ms latencies keep 3 significant digits. */
const US_PER_MS = 1000;

/**
 * p50…p99.9 of `ms` (HdrHistogram, 3 significant digits: each percentile is within 0.1% of the
 * exact order statistic, and never above the exact max); mean, max and count exact. Null for
 * no samples: "no latency" is not "0 ms".
 */
export function summarizeLatency(samplesMs: ArrayLike<number>): LatencySummary | null {
  const n = samplesMs.length;
  if (n === 0) return null;
  const h = build({ numberOfSignificantValueDigits: 3 });
  let sum = 0;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = samplesMs[i] ?? 0;
    h.recordValue(Math.max(0, Math.round(v * US_PER_MS)));
    sum += v;
    if (v > max) max = v;
  }
  const at = (p: number) => Math.min(max, h.getValueAtPercentile(p) / US_PER_MS);
  return { p50: at(50), p90: at(90), p99: at(99), p99_9: at(99.9), max, mean: sum / n, count: n };
}

/**
 * The empirical CDF `[ms, fraction of samples ≤ ms]`, at most `maxPoints` points: every sample
 * when there are few, else evenly spaced levels plus the tail levels, each point an exact order
 * statistic. Ends at `[max, 1]`.
 */
export function compactCdf(samplesMs: ArrayLike<number>, maxPoints = CDF_MAX_POINTS): Array<[number, number]> {
  const n = samplesMs.length;
  if (n === 0) return [];
  const sorted = Float64Array.from(samplesMs).sort();
  const round = (x: number) => Math.round(x * US_PER_MS) / US_PER_MS;
  const points: Array<[number, number]> = [];
  const push = (rank: number) => {
    const x = round(sorted[rank - 1] ?? 0);
    const last = points[points.length - 1];
    const f = rank / n;
    if (last && last[0] === x) last[1] = f;
    else if (!last || f > last[1]) points.push([x, f]);
  };
  if (n <= maxPoints) {
    for (let r = 1; r <= n; r++) push(r);
    return points;
  }
  const even = maxPoints - TAIL.length - 1;
  const levels = [...Array.from({ length: even }, (_, k) => (k + 1) / (even + 1)), ...TAIL, 1].sort((a, b) => a - b);
  for (const level of levels) push(Math.max(1, Math.ceil(level * n)));
  return points;
}
