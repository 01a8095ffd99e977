/**
 * Chart.js configurations built from results, as plain JSON: the HTML page only hands each one
 * to `new Chart(canvas, config)`. Building them here keeps the page's own script tiny and lets
 * tests inspect what will be drawn without a browser. Measured data are solid; the model is
 * dashed (lines) or translucent (bars), always in the transport's colour. This file builds each
 * run's charts and orders the page; the charts across a sweep are in sweep-charts.ts.
 */
import type { ChartDataset } from 'chart.js';
import { bytesPerClientPerMinute, requestsPerSecPerClient, transportsOf } from '../derived.ts';
import { quantile } from '../mixture.ts';
import { latencyPieces } from '../model.ts';
import type { Results, Run, TransportResult } from '../results-schema.ts';
import {
  axisTitle,
  baseOptions,
  type ChartSpec,
  isLogWorthy,
  lineStyle,
  scatterChart,
  withTicks,
} from './chart-spec.ts';
import { TRANSPORT_COLOR } from './labels.ts';
import { sweepAxis } from './sweep.ts';
import { sweepCharts } from './sweep-charts.ts';
import { beatBytesPerMinute, beatOf } from './waiting.ts';

/** Smallest latency drawn on a log axis: 1 µs (a measured 0 cannot sit on a log scale). */
const LOG_FLOOR_MS = 0.001;
const HEADER_COLOR = '#444444';
const PAYLOAD_COLOR = '#9ecae1';
/** Levels at which the model's CDF is drawn. */
const MODEL_LEVELS = [0.001, ...Array.from({ length: 99 }, (_, i) => (i + 1) / 100), 0.999, 1];

function translucent(hex: string): string {
  return `${hex}59`;
}

/** A bar per transport for what was measured, and beside it a translucent one for what explains it. */
function measuredBeside(
  measured: Array<number | null>,
  label: 'model' | 'protocol',
  expected: Array<number | null>,
  colors: string[],
): BarSet[] {
  return [
    { label: 'measured', data: measured, backgroundColor: colors, borderColor: colors, borderWidth: 0 },
    { label, data: expected, backgroundColor: colors.map(translucent), borderColor: colors, borderWidth: 1 },
  ];
}

function cdfChart(run: Run, id: string, index: number): ChartSpec | null {
  const rs = transportsOf(run).filter(([, r]) => r.cdf.length > 0);
  if (rs.length === 0) return null;
  const xs = rs.flatMap(([, r]) => [...r.cdf.map(([x]) => x), r.model.latency.p50, r.model.latency.p99]);
  const log = isLogWorthy(xs);
  const clamp = (x: number) => (log ? Math.max(LOG_FLOOR_MS, x) : x);
  const datasets: Array<ChartDataset<'scatter'>> = [];
  const legendGroups: number[][] = [];
  for (const [t, r] of rs) {
    const color = TRANSPORT_COLOR[t];
    legendGroups.push([datasets.length, datasets.length + 1, datasets.length + 2]);
    datasets.push({
      label: t,
      data: r.cdf.map(([x, y]) => ({ x: clamp(x), y })),
      pointRadius: 0,
      ...lineStyle(color, false),
    });
    const pieces = latencyPieces(t, r.model.inputs);
    datasets.push({
      label: `${t} model`,
      data: MODEL_LEVELS.map((q) => ({ x: clamp(quantile(pieces, q)), y: q })),
      pointRadius: 0,
      ...lineStyle(color, true),
    });
    datasets.push({
      label: `${t} model p50`,
      data: [{ x: clamp(r.model.latency.p50), y: 0.5 }],
      showLine: false,
      pointStyle: 'triangle',
      pointRadius: 7,
      borderColor: color,
      backgroundColor: translucent(color),
    });
  }
  const title = `${run.label}: delivery latency CDF (solid measured, dashed model, ▲ model p50)`;
  const spec = scatterChart(id, index, title, datasets, {
    x: { type: log ? 'logarithmic' : 'linear', title: axisTitle(`delivery latency (ms${log ? ', log scale' : ''})`) },
    y: { min: 0, max: 1, title: axisTitle('fraction delivered within') },
  });
  return { ...spec, legendGroups };
}

type BarSet = ChartDataset<'bar', Array<number | null>>;

function bar(label: string, data: Array<number | null>, color: string, stack: string, model = false): BarSet {
  return {
    label,
    data,
    stack,
    backgroundColor: model ? translucent(color) : color,
    borderColor: color,
    borderWidth: model ? 1 : 0,
  };
}

function barChart(
  id: string,
  index: number | null,
  title: string,
  labels: string[],
  yTitle: string,
  datasets: BarSet[],
  log = false,
) {
  const stacked = datasets.some((d) => d.stack !== datasets[0]?.stack) || datasets.length > 2;
  const y = log
    ? { type: 'logarithmic' as const, title: axisTitle(yTitle) }
    : { stacked, beginAtZero: true, title: axisTitle(yTitle) };
  const spec: ChartSpec = {
    id,
    run: index,
    title,
    config: {
      type: 'bar',
      data: { labels, datasets },
      options: {
        ...baseOptions(title),
        scales: withTicks({ x: { stacked }, y }),
      },
    },
  };
  return spec;
}

function bytesChart(run: Run, id: string, index: number): ChartSpec | null {
  const rs = transportsOf(run);
  if (rs.length === 0) return null;
  const labels = rs.map(([t]) => t);
  if (rs.some(([, r]) => r.delivered > 0)) {
    const col = (f: (r: TransportResult) => number | null | undefined) => rs.map(([, r]) => f(r) ?? null);
    return barChart(
      id,
      index,
      `${run.label}: bytes the server sent per delivered message (left measured, right model)`,
      labels,
      'bytes per delivered message',
      [
        bar(
          'header/framing (measured)',
          col((r) => r.bytes.perDelivered.header),
          HEADER_COLOR,
          'measured',
        ),
        bar(
          'payload (measured)',
          col((r) => r.bytes.perDelivered.payload),
          PAYLOAD_COLOR,
          'measured',
        ),
        bar(
          'header/framing (model)',
          col((r) => r.model.bytesPerDelivered?.out.header),
          HEADER_COLOR,
          'model',
          true,
        ),
        bar(
          'payload (model)',
          col((r) => r.model.bytesPerDelivered?.out.payload),
          PAYLOAD_COLOR,
          'model',
          true,
        ),
      ],
    );
  }
  // Idle: each transport's whole waiting cost beside the protocol's, on a log axis when they
  // span decades (polling's 21 KiB would flatten the SSE heartbeat's 72 B to nothing).
  const measured = rs.map(([, r]) => bytesPerClientPerMinute(r));
  const protocol = rs.map(([t, r]) => beatBytesPerMinute(beatOf(t, r)));
  const log = isLogWorthy([...measured, ...protocol].filter((x): x is number => x !== null));
  const colors = rs.map(([t]) => TRANSPORT_COLOR[t]);
  const zero = log && [...measured, ...protocol].some((x) => x === 0);
  const scale = log ? `, log scale${zero ? ': 0 B not drawn' : ''}` : '';
  const title = `${run.label}: wire bytes per client per minute, idle (solid measured, translucent protocol${scale})`;
  return barChart(
    id,
    index,
    title,
    labels,
    'bytes per client per minute',
    measuredBeside(measured, 'protocol', protocol, colors),
    log,
  );
}

function requestsChart(run: Run, id: string, index: number): ChartSpec | null {
  const rs = transportsOf(run);
  if (rs.length === 0) return null;
  const labels = rs.map(([t]) => t);
  const colors = rs.map(([t]) => TRANSPORT_COLOR[t]);
  const delivered = rs.some(([, r]) => r.delivered > 0);
  const measured = rs.map(([, r]) => (delivered ? r.requestsPerDelivered : (requestsPerSecPerClient(r) ?? 0) * 60));
  const model = rs.map(([, r]) => (delivered ? r.model.requestsPerDelivered : r.model.requestsPerSecPerClient * 60));
  const title = delivered
    ? `${run.label}: HTTP requests per delivered message (solid measured, translucent model)`
    : `${run.label}: HTTP requests per client per minute (solid measured, translucent model)`;
  const yTitle = delivered ? 'requests per delivered message' : 'requests per client per minute';
  return barChart(id, index, title, labels, yTitle, measuredBeside(measured, 'model', model, colors));
}

function capacityChart(run: Run, id: string, index: number): ChartSpec | null {
  const c = run.capacity;
  if (!c) return null;
  const title = `${run.label}: requests per second under the same load (poll ${c.ratio.toFixed(2)}× bare Koa)`;
  return barChart(id, index, title, [`poll ${c.poll.path}`, `bare ${c.bare.path}`], 'requests per second', [
    bar('req/s', [c.poll.requestsPerSec, c.bare.requestsPerSec], TRANSPORT_COLOR.poll, 'req'),
  ]);
}

/** Every chart of the report, in page order: the sweep's first, then each run's. */
export function buildCharts(results: Results): ChartSpec[] {
  let n = 0;
  const nextId = () => `chart-${++n}`;
  const axis = sweepAxis(results);
  const sweep = axis ? sweepCharts(results, axis, nextId) : [];
  const perRun = results.runs.flatMap((run, i) =>
    [
      cdfChart(run, nextId(), i),
      bytesChart(run, nextId(), i),
      requestsChart(run, nextId(), i),
      capacityChart(run, nextId(), i),
    ].filter((s): s is ChartSpec => s !== null),
  );
  return [...sweep, ...perRun];
}
