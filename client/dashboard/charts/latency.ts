/**
 * Latency over time, one series per transport (live deliveries of the measurement window),
 * with the polling model drawn as two dashed lines (T/2 mean, T maximum) so the measurement
 * sits next to what explains it.
 */
import { TRANSPORT_NAMES } from '../../../protocol/wire.ts';
import { t } from '../i18n.ts';
import { pollWaitModel } from '../metrics.ts';
import type { Recorder } from '../recorder.ts';
import { type Chart, type Point, redraw, titledAxis, transportLineChart } from './setup.ts';

const SPAN_S = 60;

export class LatencyChart {
  readonly #chart: Chart<'line', Point[]>;

  constructor(id: string) {
    this.#chart = transportLineChart(
      id,
      { showLine: false, pointRadius: 2.5 },
      { x: titledAxis({ min: -SPAN_S, max: 0 }), y: titledAxis({ beginAtZero: true }) },
      [
        { label: 'T/2', data: [], borderColor: '#9ca3af', borderDash: [6, 4], pointRadius: 0, borderWidth: 2 },
        { label: 'T', data: [], borderColor: '#6b7280', borderDash: [2, 3], pointRadius: 0, borderWidth: 2 },
      ],
    );
  }

  update(recorder: Recorder, pollIntervalMs: number): void {
    const now = performance.timeOrigin + performance.now();
    const datasets = this.#chart.data.datasets;
    TRANSPORT_NAMES.forEach((name, i) => {
      const ds = datasets[i];
      if (ds) ds.label = t(`transport.short.${name}` as const);
      if (ds)
        ds.data = recorder
          .live(name)
          .filter((s) => s.at >= now - SPAN_S * 1000)
          .map((s) => ({ x: (s.at - now) / 1000, y: s.latency }));
    });
    const model = pollWaitModel(pollIntervalMs);
    const flat = (y: number): Point[] => [
      { x: -SPAN_S, y },
      { x: 0, y },
    ];
    const mean = datasets[TRANSPORT_NAMES.length];
    const max = datasets[TRANSPORT_NAMES.length + 1];
    if (mean) {
      mean.data = flat(model.meanMs);
      mean.label = t('model.mean');
    }
    if (max) {
      max.data = flat(model.maxMs);
      max.label = t('model.max');
    }
    redraw(this.#chart, t('axis.secondsAgo'), t('axis.ms'));
  }
}
