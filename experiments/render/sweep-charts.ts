/**
 * The charts across the runs of a sweep: per transport, a measured line (solid) and the model's
 * (dashed) against the sweep's x, for latency, requests, RSS per connection and idle bytes.
 */
import type { ChartDataset } from 'chart.js';
import type { TransportName } from '../../protocol/wire.ts';
import { bytesPerClientPerMinute, requestsPerSecPerClient, rssPerConnection, transportsOf } from '../derived.ts';
import type { Results, TransportResult } from '../results-schema.ts';
import { axisTitle, type ChartSpec, isLogWorthy, lineStyle, scatterChart } from './chart-spec.ts';
import { axisTitle as sweepTitle, TRANSPORT_COLOR } from './labels.ts';
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
  const datasets: Array<ChartDataset<'scatter'>> = lines.flatMap(({ t, model, data }) => {
    const kept = logY ? data.filter((p) => p.y > 0) : data;
    if (kept.length === 0) return [];
    const color = TRANSPORT_COLOR[t];
    return [
      {
        label: `${t} ${model ? 'model' : 'measured'}`,
        data: kept,
        pointRadius: model ? 0 : 3,
        ...lineStyle(color, model),
      },
    ];
  });
  if (datasets.length === 0) return null;
  const title = `${what.title}${zeros ? ' (zeros not drawn on the log axis)' : ''}`;
  return scatterChart(id, null, title, datasets, {
    x: { type: axis.log ? 'logarithmic' : 'linear', title: axisTitle(sweepTitle(axis.key)) },
    y: { type: logY ? 'logarithmic' : 'linear', title: axisTitle(what.y) },
  });
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
  const anyRss = results.runs.some((run) => transportsOf(run).some(([, r]) => rssPerConnection(r) !== null));
  if (anyRss) {
    specs.push(
      sweepChart(results, axis, nextId(), {
        title: 'Server RSS per connection across the sweep',
        y: 'bytes per connection',
        measured: rssPerConnection,
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
