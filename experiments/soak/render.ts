/**
 * A soak's results.json → the verdict, a delivery table per transport, and the server's memory
 * over time (after a full GC each time) as a table and a chart, warm-up marked. Pure: the
 * same tables feed the terminal, report.md and report.html, so they never disagree.
 */
import type { ChartConfiguration } from 'chart.js';
import { bytes, duration, int, num } from '../format.ts';
import { escapeHtml, figures, type HtmlOptions, htmlPage, htmlTable, type PageChart } from '../render/html.ts';
import { TRANSPORT_COLOR } from '../render/labels.ts';
import { mdTable, text } from '../render/markdown.ts';
import type { Table } from '../render/tables.ts';
import type { SoakResults } from '../results-schema.ts';
import { type MemorySample, SOAK_TRANSPORTS } from './schema.ts';
import { MIN_JUDGED_MS, RSS_TOLERANCE } from './verdict.ts';

const MIB = 2 ** 20;

/** Delivery per transport: what the clients saw, summed. */
export function deliveryTable(r: SoakResults): Table {
  return {
    head: ['transport', 'clients', 'reconnects', 'delivered', 'expected', 'lost', 'duplicated', 'resets'],
    numeric: [false, true, true, true, true, true, true, true],
    rows: SOAK_TRANSPORTS.map((name) => {
      const t = r.soak.transports[name];
      return [
        name,
        int(t.clients),
        int(t.reconnects),
        int(t.delivered),
        int(t.expected),
        int(t.lost),
        int(t.duplicated),
        int(t.resets),
      ];
    }),
  };
}

/** The server's memory, warm-up and end first, then every sample. */
export function memoryTable(r: SoakResults): Table {
  const row = (label: string, s: MemorySample) => [
    label,
    duration(s.atMs),
    int(s.published),
    bytes(s.rssBytes),
    bytes(s.heapUsedBytes),
    bytes(s.heapTotalBytes),
    bytes(s.externalBytes),
    bytes(s.arrayBuffersBytes),
  ];
  return {
    head: ['sample', 'at', 'published', 'RSS', 'heap used', 'heap total', 'external', 'array buffers'],
    numeric: [false, true, true, true, true, true, true, true],
    rows: [
      row('after warm-up', r.soak.warm),
      row('end', r.soak.end),
      ...r.soak.samples.map((s, i) => row(`#${i + 1}`, s)),
    ],
  };
}

/** The verdict as sentences: pass or fail, the RSS change, and every failure. */
export function verdictLines(r: SoakResults): string[] {
  const { verdict: v, transports, warm, end } = r.soak;
  const change = `${v.rssChange >= 0 ? '+' : ''}${num(v.rssChange * 100)} %`;
  const delivered = SOAK_TRANSPORTS.reduce((a, n) => a + transports[n].delivered, 0);
  const expected = SOAK_TRANSPORTS.reduce((a, n) => a + transports[n].expected, 0);
  const reconnects = SOAK_TRANSPORTS.reduce((a, n) => a + transports[n].reconnects, 0);
  const lines = [
    `${v.ok ? 'PASS' : 'FAIL'}: ${int(delivered)} of ${int(expected)} deliveries after ${int(reconnects)} reconnects; ` +
      `server RSS ${bytes(warm.rssBytes)} after warm-up → ${bytes(end.rssBytes)} at the end (${change}, ` +
      (v.rssJudged
        ? `limit ±${RSS_TOLERANCE * 100} %).`
        : `not judged: the run is shorter than ${duration(MIN_JUDGED_MS)}).`),
  ];
  for (const f of v.failures) lines.push(`- ${f}`);
  return lines;
}

/** Memory over time, MiB, after a full GC: RSS, heap used and array buffers, warm-up as a vertical line. */
export function memoryChart(r: SoakResults): PageChart {
  const { samples, warm } = r.soak;
  const series = (label: string, color: string, f: (s: MemorySample) => number) => ({
    label,
    data: samples.map((s) => ({ x: s.atMs / 1000, y: f(s) / MIB })),
    borderColor: color,
    backgroundColor: color,
    showLine: true,
    pointRadius: 2,
  });
  const top = Math.max(...samples.map((s) => s.rssBytes)) / MIB;
  const config: ChartConfiguration<'scatter'> = {
    type: 'scatter',
    data: {
      datasets: [
        series('RSS', TRANSPORT_COLOR.ws, (s) => s.rssBytes),
        series('heap used', TRANSPORT_COLOR.sse, (s) => s.heapUsedBytes),
        series('array buffers', TRANSPORT_COLOR['long-poll'], (s) => s.arrayBuffersBytes),
        {
          label: 'end of warm-up',
          data: [
            { x: warm.atMs / 1000, y: 0 },
            { x: warm.atMs / 1000, y: top },
          ],
          borderColor: '#888888',
          borderDash: [6, 4],
          showLine: true,
          pointRadius: 0,
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { title: { display: true, text: 'Server memory after a full GC (MiB)' } },
      scales: {
        x: { title: { display: true, text: 'time since start (s)' } },
        y: { title: { display: true, text: 'MiB' }, beginAtZero: true },
      },
    },
  };
  return { id: 'soak-memory', title: 'Server memory after a full GC', config };
}

function paramsLine(r: SoakResults): string {
  const p = r.params;
  return (
    `${duration(p.durationMs)} (warm-up ${duration(p.warmupMs)}), ${p.clientsPerTransport} clients per transport, ` +
    `${num(p.ratePerSec)} msg/s, each client stops and resumes every ${duration(p.bounceMinMs)}–${duration(p.bounceMaxMs)}, ` +
    `poll interval ${duration(p.pollIntervalMs)}`
  );
}

function environmentLine(r: SoakResults): string {
  const e = r.environment;
  return `Node ${e.node} on ${e.platform}, ${e.cpuModel} × ${e.cores} cores; commit ${e.gitCommit ?? 'unknown'}; started ${e.startedAt}, took ${duration(e.durationMs)}`;
}

/** report.md of a soak. */
export function renderSoakMarkdown(r: SoakResults): string {
  const [head = '', ...failures] = verdictLines(r);
  return [
    '# pushrace soak',
    '',
    `**${text(head)}**`,
    ...(failures.length > 0 ? ['', ...failures.map(text)] : []),
    '',
    `- ${text(paramsLine(r))}`,
    `- ${text(environmentLine(r))}`,
    '',
    '## Delivery',
    '',
    mdTable(deliveryTable(r)),
    '',
    '## Server memory (after a full GC)',
    '',
    mdTable(memoryTable(r)),
    ...(r.warnings.length > 0 ? ['', '## Warnings', '', ...r.warnings.map((w) => `- ${text(w)}`)] : []),
    '',
  ].join('\n');
}

/** report.html of a soak: self-contained, the memory chart drawn by the inlined Chart.js. */
export function renderSoakHtml(r: SoakResults, options: HtmlOptions): string {
  const [head = '', ...failures] = verdictLines(r);
  const chart = memoryChart(r);
  const body = [
    '<h1>pushrace soak</h1>',
    `<ul class="env"><li>${escapeHtml(paramsLine(r))}</li><li>${escapeHtml(environmentLine(r))}</li></ul>`,
    `<section id="verdict" class="${r.soak.verdict.ok ? '' : 'alarms'}"><p class="${r.soak.verdict.ok ? 'met' : 'missed'}">${escapeHtml(head)}</p>${failures.map((f) => `<p>${escapeHtml(f)}</p>`).join('')}</section>`,
    `<section id="delivery"><h2>Delivery</h2>${htmlTable(deliveryTable(r))}</section>`,
    `<section id="memory"><h2>Server memory (after a full GC)</h2>${figures([chart])}\n${htmlTable(memoryTable(r))}</section>`,
  ];
  if (r.warnings.length > 0) {
    body.push(
      `<section id="warnings"><h2>Warnings</h2><ul>${r.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></section>`,
    );
  }
  return htmlPage('pushrace soak', body, { results: r, charts: [chart] }, options);
}
