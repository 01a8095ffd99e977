/**
 * The charts across the runs of a sweep: per transport, a measured line (solid) and the model's
 * (dashed) against the sweep's x, for latency, requests, RSS per connection and idle bytes.
 */
import type { ChartDataset } from 'chart.js';
import type { TransportName } from '../../protocol/wire.ts';
import { bytesPerClientPerMinute, requestsPerSecPerClient, transportsOf } from '../derived.ts';
import type { Results, TransportResult } from '../results-schema.ts';
import { axisTitle, type ChartSpec, isLogWorthy, lineStyle, scatterChart } from './chart-spec.ts';
import { axisTitle as sweepTitle, TRANSPORT_COLOR } from './labels.ts';
import { rssNoise, rssPerConnection } from './rss.ts';
import type { SweepAxis } from './sweep.ts';

/** A point on an xy chart. */
interface XY {
  x: number;
  y: number;
}

function sweepChart(
  results: Results,
  axis: SweepAxis,
  id: string,
  what: {
    title: string;
    y: string;
    measured: (r: TransportResult) => number | null;
    model?: (r: TransportResult) => number | null;
  },
): ChartSpec | null {
  const present = [...new Set(results.runs.flatMap((run) => transportsOf(run).map(([t]) => t)))];
  const points = (t: TransportName, f: (r: TransportResult) => number | null): XY[] =>
    results.runs.flatMap((run, i) => {
      const r = run.transports[t];
      const x = axis.xs[i];
      const y = r ? f(r) : null;
      return r && x !== undefined && y !== null && Number.isFinite(y) ? [{ x, y }] : [];
    });
  const lines = present.flatMap((t) => [
    { t, model: false, data: points(t, what.measured) },
    { t, model: true, data: what.model ? points(t, what.model) : [] },
  ]);
  const logY = isLogWorthy(lines.flatMap((l) => l.data.map((p) => p.y)));
  // A log axis cannot show 0: drop zeros there and say so in the title.
  const zeros = logY && lines.some((l) => l.data.some((p) => p.y <= 0));
  const datasets: Array<ChartDataset<'scatter'>> = [];
  // One legend entry per transport: its measured and model lines are toggled together.
  const groups = new Map<TransportName, number[]>();
  for (const { t, model, data } of lines) {
    const kept = logY ? data.filter((p) => p.y > 0) : data;
    if (kept.length === 0) continue;
    groups.set(t, [...(groups.get(t) ?? []), datasets.length]);
    datasets.push({
      label: model ? `${t} model` : t,
      data: kept,
      pointRadius: model ? 0 : 3,
      ...lineStyle(TRANSPORT_COLOR[t], model),
    });
  }
  if (datasets.length === 0) return null;
  const title = `${what.title}${zeros ? ' (zeros not drawn on the log axis)' : ''}`;
  const spec = scatterChart(id, null, title, datasets, {
    x: { type: axis.log ? 'logarithmic' : 'linear', title: axisTitle(sweepTitle(axis.key)) },
    y: { type: logY ? 'logarithmic' : 'linear', title: axisTitle(what.y) },
  });
  return { ...spec, legendGroups: [...groups.values()] };
}

/** The sweep's charts, in page order; `nextId` numbers their canvases. */
export function sweepCharts(results: Results, axis: SweepAxis, nextId: () => string): ChartSpec[] {
  const specs = [
    sweepChart(results, axis, nextId(), {
      title: 'Median delivery latency across the sweep (solid measured, dashed model)',
      y: 'p50 latency (ms)',
      measured: (r) => r.latency?.p50 ?? null,
      model: (r) => r.model.latency.p50,
    }),
    sweepChart(results, axis, nextId(), {
      title: 'p99 delivery latency across the sweep (solid measured, dashed model)',
      y: 'p99 latency (ms)',
      measured: (r) => r.latency?.p99 ?? null,
      model: (r) => r.model.latency.p99,
    }),
    sweepChart(results, axis, nextId(), {
      title: 'HTTP requests per client per second across the sweep (solid measured, dashed model)',
      y: 'requests per client per second',
      measured: requestsPerSecPerClient,
      model: (r) => r.model.requestsPerSecPerClient,
    }),
  ];
  // Only the points whose rise stands above the RSS noise (rss.ts).
  const noise = rssNoise(results);
  const rss = (r: TransportResult) => {
    const v = rssPerConnection(r, noise);
    return v?.kind === 'figure' ? v.perConnection : null;
  };
  // A line needs two points: a single sweep point's figures are in its run's table.
  const rssPoints = results.runs.filter((run) => transportsOf(run).some(([, r]) => rss(r) !== null));
  if (rssPoints.length >= 2) {
    specs.push(
      sweepChart(results, axis, nextId(), {
        title: 'Server RSS per connection across the sweep (where it stands above the RSS noise)',
        y: 'bytes per connection',
        measured: rss,
      }),
    );
  }
  const idle = results.runs.every((run) => transportsOf(run).every(([, r]) => r.delivered === 0));
  if (idle) {
    specs.push(
      sweepChart(results, axis, nextId(), {
        title: 'Wire bytes per client per minute across the sweep',
        y: 'bytes per client per minute',
        measured: bytesPerClientPerMinute,
      }),
    );
  }
  return specs.filter((s): s is ChartSpec => s !== null);
}
