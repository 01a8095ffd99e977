/**
 * Reading a sweep out of the runs: which point key is the x axis, and where curves cross.
 * Pure; shared by the charts and the conclusions so both speak of the same crossover.
 */
import type { TransportName } from '../../protocol/wire.ts';
import { requestsPerSecPerClient } from '../derived.ts';
import type { Results, Run, TransportResult } from '../results-schema.ts';

/** The sweep of a multi-run result: the key that varies and each run's x. */
export interface SweepAxis {
  key: string;
  /** One per run, in run order. */
  xs: number[];
  /** Log scale reads better when x spans more than a decade and a half. */
  log: boolean;
}

/**
 * The first key of the first run's `point` whose value is numeric in every run and not the
 * same in all of them; null for a single run or when nothing varies numerically.
 */
export function sweepAxis(results: Results): SweepAxis | null {
  const runs = results.runs;
  const first = runs[0];
  if (runs.length < 2 || !first) return null;
  for (const key of Object.keys(first.point)) {
    const xs = runs.map((r) => r.point[key]);
    if (!xs.every((x): x is number => typeof x === 'number' && Number.isFinite(x))) continue;
    if (new Set(xs).size < 2) continue;
    const min = Math.min(...xs);
    const max = Math.max(...xs);
    return { key, xs, log: min > 0 && max / min >= 30 };
  }
  return null;
}

/** A y per run for one transport (null where the run lacks it). */
export function series(
  runs: readonly Run[],
  t: TransportName,
  y: (r: TransportResult) => number | null,
): Array<number | null> {
  return runs.map((run) => {
    const r = run.transports[t];
    return r ? y(r) : null;
  });
}

/**
 * Where `a − b` changes sign along the sweep, linearly interpolated between the two points
 * around it (in log x when the axis is logarithmic). Null when it never does.
 */
export function crossing(axis: SweepAxis, a: Array<number | null>, b: Array<number | null>): number | null {
  const order = axis.xs.map((_, i) => i).sort((i, j) => (axis.xs[i] ?? 0) - (axis.xs[j] ?? 0));
  const tx = (x: number) => (axis.log ? Math.log(x) : x);
  let prev: { x: number; d: number } | null = null;
  for (const i of order) {
    const x = axis.xs[i];
    const ya = a[i];
    const yb = b[i];
    if (x === undefined || ya == null || yb == null) continue;
    const d = ya - yb;
    if (d === 0) return x;
    if (prev && Math.sign(prev.d) !== Math.sign(d)) {
      const t = prev.d / (prev.d - d);
      const v = tx(prev.x) + t * (tx(x) - tx(prev.x));
      return axis.log ? Math.exp(v) : v;
    }
    prev = { x, d };
  }
  return null;
}

/**
 * The poll interval (or other sweep x) where polling and long-poll make as many requests per
 * client per second, measured and by the model. Below it polling costs more requests than
 * long-poll while also being slower: there long-poll wins on both counts.
 */
export function requestCrossover(results: Results, axis: SweepAxis): { measured: number | null; model: number | null } {
  const measured = crossing(
    axis,
    series(results.runs, 'poll', requestsPerSecPerClient),
    series(results.runs, 'long-poll', requestsPerSecPerClient),
  );
  const model = crossing(
    axis,
    series(results.runs, 'poll', (r) => r.model.requestsPerSecPerClient),
    series(results.runs, 'long-poll', (r) => r.model.requestsPerSecPerClient),
  );
  return { measured, model };
}

/** Departed from the model: p99 above twice the model's plus 5 ms (absolute slack for timer noise). */
export function departsFromModel(r: TransportResult): boolean {
  return r.latency !== null && r.latency.p99 > 2 * r.model.latency.p99 + 5;
}
