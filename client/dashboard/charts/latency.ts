/**
 * Latency over time, one series per transport, with the polling model drawn as two dashed
 * lines (T/2 mean, T maximum) so the measurement sits next to what explains it.
 */
import { TRANSPORT_NAMES } from '../../../protocol/wire.ts';
import { t } from '../i18n.ts';
import { pollWaitModel } from '../metrics.ts';
import type { Recorder } from '../recorder.ts';
import { Chart, COLORS, canvas } from './setup.ts';

type Point = { x: number; y: number };

export class LatencyChart {
  readonly #chart: Chart<'line', Point[]>;

  constructor(id: string) {
    this.#chart = new Chart(canvas(id), {
      type: 'line',
      data: {
        datasets: [
          ...TRANSPORT_NAMES.map((name) => ({
            label: name,
            data: [] as Point[],
            borderColor: COLORS[name],
            backgroundColor: COLORS[name],
            showLine: false,
            pointRadius: 2.5,
          })),
          { label: 'T/2', data: [], borderColor: '#9ca3af', borderDash: [6, 4], pointRadius: 0, borderWidth: 2 },
          { label: 'T', data: [], borderColor: '#6b7280', borderDash: [2, 3], pointRadius: 0, borderWidth: 2 },
        ],
      },
      options: {
        maintainAspectRatio: false,
        scales: {
          x: { type: 'linear', min: -60, max: 0, title: { display: true, text: '' } },
          y: { type: 'linear', beginAtZero: true, title: { display: true, text: '' } },
        },
      },
    });
  }

  update(recorder: Recorder, pollIntervalMs: number): void {
    const now = performance.timeOrigin + performance.now();
    const datasets = this.#chart.data.datasets;
    TRANSPORT_NAMES.forEach((name, i) => {
      const ds = datasets[i];
      if (ds) ds.data = recorder.samples[name].map((s) => ({ x: (s.at - now) / 1000, y: s.latency }));
    });
    const model = pollWaitModel(pollIntervalMs);
    const mean = datasets[TRANSPORT_NAMES.length];
    const max = datasets[TRANSPORT_NAMES.length + 1];
    if (mean) {
      mean.data = [
        { x: -60, y: model.meanMs },
        { x: 0, y: model.meanMs },
      ];
      mean.label = t('model.mean');
    }
    if (max) {
      max.data = [
        { x: -60, y: model.maxMs },
        { x: 0, y: model.maxMs },
      ];
      max.label = t('model.max');
    }
    const scales = this.#chart.options.scales;
    if (scales?.x?.title) scales.x.title.text = t('axis.secondsAgo');
    if (scales?.y?.title) scales.y.title.text = t('axis.ms');
    this.#chart.update('none');
  }
}
