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
import {
  costTable,
  disturbanceLine,
  PHASE_LABEL,
  peersAlarms,
  ratioTable,
  serversTable,
  windowsTable,
} from './tables.ts';

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

/** What the cost table is, in both languages. */
export const COST_EXPLANATION = {
  en:
    'The ablation: pushrace without its byte meter ran in the same interleaved repetitions as pushrace and the floor. ' +
    'The meter counts every byte each socket sends and receives, split into header and payload, and every request: a cost no floor pays, and the one the promise "every number it shows is true" needs. ' +
    'Its share of pushrace\'s figure is 1 − (without meter ÷ pushrace) per repetition pair; "of the gap" is its part of pushrace\'s excess over the floor (medians). ' +
    "What is left above the floor without the meter is the rest of pushrace: the feed with its cursors and history, flow control, the front door's limits and checks.",
  zh:
    '消融实验：去掉字节计量的 pushrace 与 pushrace、底线实现在同样交替的重复中一起测量。' +
    '计量统计每个套接字收发的每个字节（分为头部与负载）以及每个请求：这是底线实现没有的开销，也是“显示的每个数字都真实”这一承诺所需要的。' +
    '计量占比 = 1 −（去掉计量 ÷ pushrace），按重复配对计算；“占差距”是它在 pushrace 超出底线部分中的比例（按中位数）。' +
    '去掉计量后仍高出底线的部分来自 pushrace 的其余部分：带游标和历史的消息流、流量控制、入口的限流与检查。',
};

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

/** The cost table for the terminal, when the run had the ablation. */
function costLines(r: PeersResults): string[] {
  const t = costTable(r.peers.comparisons);
  return t.rows.length === 0
    ? []
    : ["== where pushrace's cost goes (ablation: without its byte meter)", textTable(t), ''];
}

/** The summary printed after a run: alarms, the ratio table, disturbance, where the reports are. */
export function peersSummary(r: PeersResults, dir: string): string {
  return [
    ...peersAlarms(r).map((a) => `!! ${a}`),
    '',
    `== ${TITLE}`,
    textTable(ratioTable(r.peers.comparisons)),
    '',
    ...costLines(r),
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
  const costs = costTable(r.peers.comparisons);
  if (costs.rows.length > 0) {
    out.push("## Where pushrace's cost goes / 开销去向", '', text(COST_EXPLANATION.en), '', mdTable(costs), '');
    out.push(text(COST_EXPLANATION.zh), '');
  }
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
  const costs = costTable(r.peers.comparisons);
  if (costs.rows.length > 0) {
    body.push(
      `<section id="costs"><h2>Where pushrace's cost goes / 开销去向</h2><p>${escapeHtml(COST_EXPLANATION.en)}</p>${htmlTable(costs)}<p lang="zh-CN">${escapeHtml(COST_EXPLANATION.zh)}</p></section>`,
    );
  }
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
