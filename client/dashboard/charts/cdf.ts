/**
 * The latency distribution of the live deliveries as a CDF per transport (log-scale ms), with
 * p50/p90/p99 drawn as horizontal marker lines, and the same percentiles in a table beside it
 * with the deliveries counted apart (catch-up after a pause, a burst's backlog).
 */
import type { Plugin } from 'chart.js';
import { TRANSPORT_NAMES } from '../../../protocol/wire.ts';
import { el } from '../dom.ts';
import { t } from '../i18n.ts';
import { cdfPoints, formatMs, percentile } from '../metrics.ts';
import type { Recorder } from '../recorder.ts';
import { type Chart, type Point, redraw, transportLineChart } from './setup.ts';

/** The percentiles marked, as shares. */
const MARKS = [0.5, 0.9, 0.99] as const;

/** Draws the p50/p90/p99 lines across the plot area. */
const markers: Plugin<'line'> = {
  id: 'percentileMarkers',
  afterDatasetsDraw(chart) {
    const y = chart.scales.y;
    if (!y) return;
    const { ctx, chartArea } = chart;
    ctx.save();
    ctx.strokeStyle = '#9ca3af';
    ctx.fillStyle = '#6b7280';
    ctx.setLineDash([4, 4]);
    ctx.font = '12px system-ui, sans-serif';
    for (const share of MARKS) {
      const py = y.getPixelForValue(share);
      ctx.beginPath();
      ctx.moveTo(chartArea.left, py);
      ctx.lineTo(chartArea.right, py);
      ctx.stroke();
      ctx.fillText(`p${Math.round(share * 100)}`, chartArea.left + 4, py - 3);
    }
    ctx.restore();
  },
};

export class CdfChart {
  readonly #chart: Chart<'line', Point[]>;
  readonly #table: HTMLTableSectionElement;

  constructor(id: string, table: HTMLTableElement) {
    this.#table = table.createTBody();
    this.#chart = transportLineChart(
      id,
      { pointRadius: 0, borderWidth: 2, stepped: true },
      {
        x: {
          type: 'logarithmic',
          ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 },
          title: { display: true, text: '' },
        },
        y: { type: 'linear', min: 0, max: 1, title: { display: true, text: '' } },
      },
      [],
      [markers],
    );
  }

  update(recorder: Recorder): void {
    const rows: HTMLTableRowElement[] = [];
    TRANSPORT_NAMES.forEach((name, i) => {
      const sorted = recorder.sortedLatencies(name).map((v) => Math.max(0.1, v));
      const ds = this.#chart.data.datasets[i];
      if (ds) {
        ds.data = cdfPoints(sorted);
        ds.label = t(`transport.short.${name}` as const);
      }
      const tr = el('tr');
      tr.dataset.transport = name;
      tr.append(el('th', `tname t-${name}`, t(`transport.${name}` as const)));
      tr.append(el('td', '', String(sorted.length)));
      for (const p of [50, 90, 99]) tr.append(el('td', '', formatMs(percentile(sorted, p))));
      const apart = recorder.setApart(name);
      const cell = el('td', 'apart', t('cdf.apart', { c: apart['catch-up'], b: apart.burst }));
      cell.dataset.catchUp = String(apart['catch-up']);
      cell.dataset.burst = String(apart.burst);
      tr.append(cell);
      rows.push(tr);
    });
    this.#table.replaceChildren(...rows);
    redraw(this.#chart, t('axis.msLog'), t('axis.share'));
  }
}
