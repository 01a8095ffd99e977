/**
 * Chart.js with only the parts the page uses registered (tree-shaken, bundled, no CDN), and
 * the shared look: one colour per transport, no animation (numbers change every second).
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { TransportName } from '../../../protocol/wire.ts';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
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
};

/** The canvas with `id`, inside a sized container (CSS class `chart-box`). */
export function canvas(id: string): HTMLCanvasElement {
  const c = document.getElementById(id);
  if (!(c instanceof HTMLCanvasElement)) throw new Error(`#${id} is not a canvas`);
  return c;
}
