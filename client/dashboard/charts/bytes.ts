/**
 * Bytes per delivered message, stacked: protocol overhead (HTTP heads, chunk lines, frame
 * headers, SSE field syntax) under payload, both directions, as counted on the server's
 * sockets (`/api/stats`). Divided by `delivered`, so polling's empty answers show as cost.
 */
import { type StatsResponse, TRANSPORT_NAMES } from '../../../protocol/wire.ts';
import { t } from '../i18n.ts';
import { Chart, canvas } from './setup.ts';

/** Header and payload bytes per delivered message for one transport; NaN when none delivered. */
export function bytesPerMessage(s: StatsResponse['transports']['poll']): { header: number; payload: number } {
  if (s.delivered === 0) return { header: Number.NaN, payload: Number.NaN };
  return {
    header: (s.bytesIn.header + s.bytesOut.header) / s.delivered,
    payload: (s.bytesIn.payload + s.bytesOut.payload) / s.delivered,
  };
}

export class BytesChart {
  readonly #chart: Chart<'bar', number[], string>;

  constructor(id: string) {
    this.#chart = new Chart(canvas(id), {
      type: 'bar',
      data: {
        labels: [...TRANSPORT_NAMES],
        datasets: [
          { label: '', data: [], backgroundColor: '#f97316', stack: 'b' },
          { label: '', data: [], backgroundColor: '#60a5fa', stack: 'b' },
        ],
      },
      options: {
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: '' } },
        },
      },
    });
  }

  update(stats: StatsResponse): void {
    const per = TRANSPORT_NAMES.map((n) => bytesPerMessage(stats.transports[n]));
    const [header, payload] = this.#chart.data.datasets;
    if (header) {
      header.data = per.map((p) => (Number.isFinite(p.header) ? Math.round(p.header) : 0));
      header.label = t('bytes.header');
    }
    if (payload) {
      payload.data = per.map((p) => (Number.isFinite(p.payload) ? Math.round(p.payload) : 0));
      payload.label = t('bytes.payload');
    }
    this.#chart.data.labels = TRANSPORT_NAMES.map((n) => t(`transport.${n}` as const));
    const y = this.#chart.options.scales?.y;
    if (y?.title) y.title.text = t('axis.bytes');
    this.#chart.update('none');
  }
}
