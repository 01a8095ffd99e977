/**
 * HTTP requests per second per transport, from the deltas of the server's own `requests`
 * counters (one sample a second, last minute). The cumulative totals are in the waste table.
 */
import { type StatsResponse, TRANSPORT_NAMES } from '../../../protocol/wire.ts';
import { t } from '../i18n.ts';
import { type Chart, type Point, redraw, titledAxis, transportLineChart } from './setup.ts';

const KEEP = 60;

export class RequestsChart {
  readonly #chart: Chart<'line', Point[]>;
  #previous: { at: number; stats: StatsResponse } | undefined;
  readonly #history: { at: number; rates: number[] }[] = [];

  constructor(id: string) {
    this.#chart = transportLineChart(
      id,
      { pointRadius: 0, borderWidth: 2 },
      { x: titledAxis({ min: -KEEP, max: 0 }), y: titledAxis({ beginAtZero: true }) },
    );
  }

  /**
   * Adds one stats snapshot (a counter that went down, cleared or restarted, restarts the
   * deltas); redraws only when `draw` (the chart is on screen), so other views cost nothing.
   */
  update(stats: StatsResponse, at: number, draw: boolean): void {
    const prev = this.#previous;
    this.#previous = { at, stats };
    if (prev && prev.stats.epoch === stats.epoch && prev.stats.since === stats.since) {
      const dt = (at - prev.at) / 1000;
      if (dt > 0) {
        const rates = TRANSPORT_NAMES.map(
          (n) => Math.max(0, stats.transports[n].requests - prev.stats.transports[n].requests) / dt,
        );
        this.#history.push({ at, rates });
        if (this.#history.length > KEEP) this.#history.shift();
      }
    }
    if (!draw) return;
    TRANSPORT_NAMES.forEach((name, i) => {
      const ds = this.#chart.data.datasets[i];
      if (ds) {
        ds.data = this.#history.map((h) => ({ x: (h.at - at) / 1000, y: h.rates[i] ?? 0 }));
        ds.label = `${t(`transport.short.${name}` as const)} (Σ ${stats.transports[name].requests})`;
      }
    });
    redraw(this.#chart, t('axis.secondsAgo'), t('axis.reqs'));
  }
}
