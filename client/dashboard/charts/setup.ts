/**
 * Chart.js with only the parts the page uses registered (tree-shaken, bundled, no CDN), and
 * the shared look: one colour per transport, no animation (numbers change every second), and
 * the one shape of chart three of the cards use (a line per transport).
 */
import * as chartjs from 'chart.js';
import { Chart, type ChartDataset, type ChartOptions, type Plugin } from 'chart.js';
import { TRANSPORT_NAMES, type TransportName } from '../../../protocol/wire.ts';

chartjs.Chart.register(
  chartjs.BarController,
  chartjs.BarElement,
  chartjs.CategoryScale,
  chartjs.Legend,
  chartjs.LinearScale,
  chartjs.LineController,
  chartjs.LineElement,
  chartjs.LogarithmicScale,
  chartjs.PointElement,
  chartjs.Tooltip,
);
Chart.defaults.animation = false;
Chart.defaults.font.size = 14;
Chart.defaults.font.family = 'system-ui, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';

export { Chart };

/** One colour per transport, the same in every chart, lane and timeline row. */
export const COLORS: Readonly<Record<TransportName, string>> = {
  poll: '#d97706',
  'long-poll': '#7c3aed',
  sse: '#059669',
  ws: '#2563eb',
  socketio: '#0891b2',
};

/** The canvas with `id`, inside a sized container (CSS class `chart-box`). */
export function canvas(id: string): HTMLCanvasElement {
  const c = document.getElementById(id);
  if (!(c instanceof HTMLCanvasElement)) throw new Error(`#${id} is not a canvas`);
  return c;
}

export type Point = { x: number; y: number };
type LineDataset = ChartDataset<'line', Point[]>;
type Scales = NonNullable<ChartOptions<'line'>['scales']>;

/**
 * A line chart with one dataset per transport (in TRANSPORT_NAMES order, each in its colour),
 * `style` applied to each, then the `extra` datasets (a model's lines).
 */
export function transportLineChart(
  id: string,
  style: Partial<LineDataset>,
  scales: Scales,
  extra: LineDataset[] = [],
  plugins: Plugin<'line'>[] = [],
): Chart<'line', Point[]> {
  const perTransport = TRANSPORT_NAMES.map(
    (name): LineDataset => ({
      label: name,
      data: [],
      borderColor: COLORS[name],
      backgroundColor: COLORS[name],
      ...style,
    }),
  );
  return new Chart<'line', Point[]>(canvas(id), {
    type: 'line',
    data: { datasets: [...perTransport, ...extra] },
    options: { maintainAspectRatio: false, scales },
    plugins,
  });
}

/** Sets the axis titles (in the current language) and redraws without animation. */
export function redraw(chart: Chart<'line', Point[]>, x: string, y: string): void {
  const scales = chart.options.scales;
  if (scales?.x?.title) scales.x.title.text = x;
  if (scales?.y?.title) scales.y.title.text = y;
  chart.update('none');
}

/** A linear axis with a title to fill in, from `min` to `max` when given. */
export function titledAxis(extra: { min?: number; max?: number; beginAtZero?: boolean } = {}) {
  return { type: 'linear' as const, ...extra, title: { display: true, text: '' } };
}
