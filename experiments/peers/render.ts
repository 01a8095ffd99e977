/**
 * A peers results.json → report.md, report.html and the terminal's summary: the ratio table
 * first, then each comparison's servers and windows, a chart of the CPU ratios, the warnings.
 * Pure: the same results give the same bytes.
 */
import type { ChartConfiguration } from 'chart.js';
import { duration } from '../format.ts';
import { textTable } from '../harness/print.ts';
import { escapeHtml, figures, type HtmlOptions, htmlPage, htmlTable, type PageChart } from '../render/html.ts';
import { TRANSPORT_COLOR } from '../render/labels.ts';
import { mdTable, text } from '../render/markdown.ts';
import type { PeersResults } from '../results-schema.ts';
import { disturbanceLine, PHASE_LABEL, peersAlarms, ratioTable, serversTable, windowsTable } from './tables.ts';

const TITLE = 'pushrace against its peers';
const TITLE_ZH = 'pushrace 与同类实现的对比';

/** What the ratios are, in both languages: the first thing a reader needs. */
export function explanation(r: PeersResults): { en: string; zh: string } {
  const p = r.params;
  return {
    en:
      `Each ratio is pushrace's figure over the peer's, taken per repetition pair (${p.reps} repetitions, order alternating A B C / C B A) and summarized as median (min–max). ` +
      "CPU per operation is the server process's CPU (every thread, /proc schedstat) over deliveries (fan-out, long-poll) or answered requests (poll); " +
      'p99 is delivery latency (poll: request round trip); RSS per connection is (RSS connected − RSS before) / clients. Below 1 pushrace costs less.',
    zh:
      `每个比值 = pushrace 的数值 ÷ 对比对象的数值，按同一轮重复配对计算（共 ${p.reps} 轮，顺序交替 A B C / C B A），取中位数（最小–最大）。` +
      '每次操作 CPU = 服务器进程全部线程的 CPU（/proc schedstat）÷ 投递次数（扇出、长轮询）或已应答请求数（轮询）；' +
      'p99 为投递延迟（轮询为请求往返）；每连接内存 = （连接后 RSS − 连接前 RSS）÷ 客户端数。小于 1 表示 pushrace 更省。',
  };
}

/** The CPU-per-operation ratios as bars, one per comparison and peer, coloured by transport. */
export function ratioChart(r: PeersResults): PageChart {
  const bars = r.peers.comparisons.flatMap((c) =>
    c.ratios.map((x) => ({
      label: `${c.transport} ${PHASE_LABEL[c.phase].en} / ${x.against}`,
      value: x.cpu?.median ?? 0,
      color: TRANSPORT_COLOR[c.transport],
    })),
  );
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: bars.map((b) => b.label),
      datasets: [
        {
          label: 'pushrace CPU per op ÷ peer',
          data: bars.map((b) => b.value),
          backgroundColor: bars.map((b) => b.color),
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: 'y',
      plugins: {
        title: { display: true, text: 'CPU per operation, pushrace ÷ peer (median)' },
        legend: { display: false },
      },
      scales: { x: { beginAtZero: true, title: { display: true, text: '× peer' } } },
    },
  };
  return { id: 'peers-cpu-ratio', title: 'CPU per operation, pushrace ÷ peer', config };
}

function environmentLine(r: PeersResults): string {
  const e = r.environment;
  const p = r.params;
  return (
    `Node ${e.node} on ${e.platform}, ${e.cpuModel} × ${e.cores} cores; commit ${e.gitCommit ?? 'unknown'}; started ${e.startedAt}, took ${duration(e.durationMs)}; ` +
    `${r.peers.pinned ? 'servers pinned to core 0, clients to core 1' : 'NOT pinned'}; ${p.quick ? 'quick' : 'full'} run`
  );
}

/** The summary printed after a run: alarms, the ratio table, disturbance, where the reports are. */
export function peersSummary(r: PeersResults, dir: string): string {
  return [
    ...peersAlarms(r).map((a) => `!! ${a}`),
    '',
    `== ${TITLE}`,
    textTable(ratioTable(r.peers.comparisons)),
    '',
    disturbanceLine(r).en,
    r.warnings.length > 0 ? `${r.warnings.length} warning(s): see the report.` : '',
    `wrote ${dir}/results.json, report.md, report.html`,
  ].join('\n');
}

/** report.md of a peers run. */
export function renderPeersMarkdown(r: PeersResults): string {
  const why = explanation(r);
  const quiet = disturbanceLine(r);
  const out = [`# ${TITLE}`, '', ...peersAlarms(r).map((a) => `> **${text(a)}**`), ''];
  out.push(`- ${text(environmentLine(r))}`, '', text(why.en), '', text(quiet.en), '');
  out.push(`## Ratios / 比值`, '', mdTable(ratioTable(r.peers.comparisons)), '', text(why.zh), '', text(quiet.zh), '');
  for (const c of r.peers.comparisons) {
    out.push(`## ${text(c.label)}`, '', mdTable(serversTable(c)), '', mdTable(windowsTable(c)), '');
  }
  if (r.warnings.length > 0) out.push('## Warnings', '', ...r.warnings.map((w) => `- ${text(w)}`), '');
  return `${out.join('\n').trimEnd()}\n`;
}

/** report.html of a peers run: self-contained, the ratio chart drawn by the inlined Chart.js. */
export function renderPeersHtml(r: PeersResults, options: HtmlOptions): string {
  const why = explanation(r);
  const quiet = disturbanceLine(r);
  const chart = ratioChart(r);
  const loud = peersAlarms(r);
  const body = [`<h1>${escapeHtml(TITLE)}</h1>`, `<ul class="env"><li>${escapeHtml(environmentLine(r))}</li></ul>`];
  if (loud.length > 0) {
    body.push(`<section class="alarms" role="alert">${loud.map((a) => `<p>${escapeHtml(a)}</p>`).join('')}</section>`);
  }
  body.push(
    `<section id="ratios"><h2>Ratios</h2><p>${escapeHtml(why.en)}</p><p>${escapeHtml(quiet.en)}</p>${htmlTable(ratioTable(r.peers.comparisons))}\n${figures([chart])}</section>`,
    `<section id="ratios-zh" lang="zh-CN"><h2>${escapeHtml(TITLE_ZH)}</h2><p>${escapeHtml(why.zh)}</p><p>${escapeHtml(quiet.zh)}</p></section>`,
  );
  r.peers.comparisons.forEach((c, i) => {
    body.push(
      `<section class="comparison" id="comparison-${i}"><h2>${escapeHtml(c.label)}</h2>${htmlTable(serversTable(c))}\n${htmlTable(windowsTable(c))}</section>`,
    );
  });
  if (r.warnings.length > 0) {
    body.push(
      `<section id="warnings"><h2>Warnings</h2><ul>${r.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></section>`,
    );
  }
  return htmlPage(TITLE, body, { results: r, charts: [chart] }, options);
}
