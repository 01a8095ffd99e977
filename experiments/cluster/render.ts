/**
 * The cluster experiment's results file and its Markdown report (`npx tsx
 * experiments/cluster/render.ts DIR` re-renders DIR/report.md from DIR/results.json).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TransportName } from '../../protocol/wire.ts';
import { escapeHtml } from '../render/html.ts';
import { CLUSTER_TRANSPORTS, TOPOLOGIES, TOPOLOGY_LABELS, type TopologyName } from './topology.ts';

/** One transport's window on one topology, in one repetition. */
export interface ClusterWindow {
  topology: TopologyName;
  rep: number;
  transport: TransportName;
  clients: number;
  published: number;
  deliveries: number;
  deliveriesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  lost: number;
  duplicated: number;
  /** CPU time of each process from the window's start to its end (drain included), ms: `a`, `b`, `redis`, `nginx-1`… */
  cpuMs: Record<string, number>;
  /** The machine's 1-minute load average at the window's end (2 cores: above 2, others were using them). */
  loadAverage: number;
  /** The window: publishing, then the drain (every client has every message). */
  wallMs: number;
  /** The publishing part of it: deliveries/s are deliveries over this. */
  publishMs: number;
}

export interface ClusterResults {
  scenario: 'cluster';
  params: {
    clients: number;
    ratePerSec: number;
    durationMs: number;
    reps: number;
    pollIntervalMs: number;
    quick: boolean;
  };
  startedAt: string;
  tookS: number;
  machine: { node: string; pinned: boolean };
  windows: ClusterWindow[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? 0 : s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const f1 = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** The medians over repetitions of one topology × transport. */
function cell(windows: readonly ClusterWindow[], topology: TopologyName, transport: TransportName) {
  const ws = windows.filter((w) => w.topology === topology && w.transport === transport);
  const names = [...new Set(ws.flatMap((w) => Object.keys(w.cpuMs)))];
  const cpu = Object.fromEntries(names.map((n) => [n, median(ws.map((w) => ((w.cpuMs[n] ?? 0) / w.wallMs) * 100))]));
  const servers = ['a', 'b'];
  const deliveriesPerSec = median(ws.map((w) => w.deliveriesPerSec));
  const perDelivery = (w: ClusterWindow) =>
    w.deliveries > 0 ? (servers.reduce((sum, n) => sum + (w.cpuMs[n] ?? 0), 0) * 1000) / w.deliveries : 0;
  return {
    n: ws.length,
    p50: median(ws.map((w) => w.p50Ms)),
    p99: median(ws.map((w) => w.p99Ms)),
    deliveriesPerSec,
    cpu,
    usPerDelivery: median(ws.map(perDelivery)),
    lost: ws.reduce((s, w) => s + w.lost, 0),
    duplicated: ws.reduce((s, w) => s + w.duplicated, 0),
  };
}

/** The report: one table row per transport × topology, and the Redis hop's cost per transport. */
export function renderClusterMarkdown(r: ClusterResults): string {
  const p = r.params;
  const lines = [
    '# cluster: one instance, one on Redis, two behind nginx',
    '',
    `${p.clients} clients per transport (client/lib), ${p.ratePerSec} msg/s published over HTTP (Poisson) for ${p.durationMs / 1000} s per window,`,
    `poll interval ${p.pollIntervalMs} ms; transports one after another; ${p.reps} repetition(s), topologies interleaved (a b c, c b a); medians over repetitions.`,
    `Servers: the compiled build, ${r.machine.pinned ? 'pinned to core 0 (with Redis and nginx unpinned); clients and publisher on core 1' : 'not pinned'}. Node ${r.machine.node}, ${r.startedAt}, took ${r.tookS} s.`,
    '',
    `Machine load (1-minute average at each window's end, 2 cores): ${Math.min(...r.windows.map((w) => w.loadAverage)).toFixed(1)}–${Math.max(...r.windows.map((w) => w.loadAverage)).toFixed(1)}. Above 2, other sessions' processes were competing for both cores: latencies and CPU shares include their interference.`,
    '',
    "CPU: % of one core over the window, publishing and drain (/proc/<pid>/task/*/schedstat); µs / delivery: the pushrace instances' CPU (publishes included) per delivered message; deliveries/s over the publishing part.",
    '',
    '| transport | topology | p50 ms | p99 ms | deliveries/s | CPU % per instance | Redis CPU % | nginx CPU % | µs / delivery | lost | dup |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const t of CLUSTER_TRANSPORTS) {
    for (const top of TOPOLOGIES) {
      const c = cell(r.windows, top, t);
      if (c.n === 0) continue;
      const inst = ['a', 'b']
        .filter((n) => n in c.cpu)
        .map((n) => `${n} ${f1(c.cpu[n] ?? 0)}`)
        .join(', ');
      const nginx = Object.entries(c.cpu)
        .filter(([n]) => n.startsWith('nginx'))
        .reduce((s, [, v]) => s + v, 0);
      const redis = c.cpu.redis;
      lines.push(
        `| ${t} | ${TOPOLOGY_LABELS[top]} | ${f1(c.p50)} | ${f1(c.p99)} | ${c.deliveriesPerSec.toFixed(0)} | ${inst} | ${redis === undefined ? '–' : f1(redis)} | ${top === 'nginx-2' ? f1(nginx) : '–'} | ${f1(c.usPerDelivery)} | ${c.lost} | ${c.duplicated} |`,
      );
    }
  }
  lines.push(
    '',
    '**The Redis hop** (median p50, ms): Redis feed − memory feed, and two instances behind nginx − memory feed.',
    '',
  );
  lines.push(
    '| transport | memory p50 | Redis p50 | Redis hop | nginx-2 p50 | nginx + Redis |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const t of CLUSTER_TRANSPORTS) {
    const [m, rd, ng] = TOPOLOGIES.map((top) => cell(r.windows, top, t).p50);
    lines.push(
      `| ${t} | ${f1(m ?? 0)} | ${f1(rd ?? 0)} | ${f1((rd ?? 0) - (m ?? 0))} | ${f1(ng ?? 0)} | ${f1((ng ?? 0) - (m ?? 0))} |`,
    );
  }
  lines.push(
    '',
    'Read within one run: this machine is shared with other sessions, so absolute figures move from run to run. Polling is dominated by its interval (T/2 on average), whatever the feed.',
    '',
  );
  return lines.join('\n');
}

/** Inline Markdown of the report's own lines: `code` and **bold**. */
const inline = (text: string) =>
  escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');

/**
 * The same report as a page of its own (no chart, no script, nothing fetched): the Markdown's
 * paragraphs and tables as HTML, so reports/reference/<scenario>/report.html exists for every
 * scenario and opens from file://.
 */
export function renderClusterHtml(r: ClusterResults): string {
  const out: string[] = [];
  let table: string[][] = [];
  const flush = () => {
    if (table.length === 0) return;
    const [head = [], , ...rows] = table;
    out.push(
      `<table><thead><tr>${head.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>${rows
        .map((row) => `<tr>${row.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`,
    );
    table = [];
  };
  for (const line of renderClusterMarkdown(r).split('\n')) {
    if (line.startsWith('|')) {
      table.push(
        line
          .slice(1, -1)
          .split('|')
          .map((c) => c.trim()),
      );
      continue;
    }
    flush();
    if (line.startsWith('# ')) out.push(`<h1>${inline(line.slice(2))}</h1>`);
    else if (line.trim() !== '') out.push(`<p>${inline(line)}</p>`);
  }
  flush();
  const style =
    'body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;max-width:1200px}table{border-collapse:collapse;margin:1rem 0;font-size:13px}' +
    'th,td{border:1px solid #ccc;padding:.25rem .45rem;text-align:right}th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>pushrace: cluster</title><style>${style}</style></head><body data-charts-ready="0">${out.join('\n')}</body></html>\n`;
}

/** Writes DIR/report.md and DIR/report.html from `results`. */
export function writeClusterReports(dir: string, results: ClusterResults): string {
  const markdown = renderClusterMarkdown(results);
  writeFileSync(join(dir, 'report.md'), markdown);
  writeFileSync(join(dir, 'report.html'), renderClusterHtml(results));
  return markdown;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? '.';
  writeClusterReports(dir, JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ClusterResults);
}
