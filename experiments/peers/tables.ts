/**
 * The peers results as tables, pure: the ratio table (the headline: pushrace's CPU per
 * operation, p99 and RSS per connection over each peer's, per repetition pair, median and
 * range), each comparison's servers, and every window with its disturbance. The same tables
 * feed the terminal, report.md and report.html. Headers carry English and Chinese.
 */
import { bytes, int, num } from '../format.ts';
import type { Table } from '../render/tables.ts';
import type { PeersResults } from '../results-schema.ts';
import { costBreakdown } from './costs.ts';
import type { Comparison, PeerServerResult, RatioStat } from './schema.ts';

/** Phase names in both languages. */
export const PHASE_LABEL: Record<Comparison['phase'], { en: string; zh: string }> = {
  paced: { en: 'paced fan-out', zh: '匀速扇出' },
  burst: { en: 'burst fan-out', zh: '突发扇出' },
  release: { en: 'release + re-request', zh: '释放并重新请求' },
  requests: { en: 'requests', zh: '请求' },
};

/** `1.32× (1.25–1.41)`, a `*` when the pairs include disturbed windows; `–` for none. */
export function ratioCell(r: RatioStat | null): string {
  if (!r) return '–';
  const range = r.pairs > 1 ? ` (${r.min.toFixed(2)}–${r.max.toFixed(2)})` : '';
  return `${r.median.toFixed(2)}×${range}${r.clean ? '' : '*'}`;
}

const us = (x: number | null) => (x === null ? '–' : `${num(x)} µs`);
const msCell = (x: number | null) => (x === null ? '–' : `${num(x)} ms`);
const rssCell = (x: number | null) => (x === null ? '–' : bytes(x));

const serverOf = (c: Comparison, name: string): PeerServerResult | undefined =>
  c.servers.find((s) => s.server === name);

/** The headline: one row per comparison and peer (a peers run's, or a scale run's floors). */
export function ratioTable(comparisons: readonly Comparison[]): Table {
  const rows: string[][] = [];
  for (const c of comparisons) {
    const ours = c.servers[0];
    for (const ratio of c.ratios) {
      const peer = serverOf(c, ratio.against);
      rows.push([
        c.transport,
        PHASE_LABEL[c.phase].en,
        peer?.label ?? ratio.against,
        ratioCell(ratio.cpu),
        ratioCell(ratio.p99),
        ratioCell(ratio.rss),
        `${us(ours?.median.cpuUsPerOp ?? null)} / ${us(peer?.median.cpuUsPerOp ?? null)}`,
      ]);
    }
  }
  return {
    head: [
      'transport 传输',
      'load 负载',
      'against 对比对象',
      `CPU per ${'op'} ratio 每次操作CPU比`,
      'p99 ratio p99比',
      'RSS/conn ratio 每连接内存比',
      'CPU/op pushrace / peer',
    ],
    numeric: [false, false, false, true, true, true, true],
    rows,
  };
}

/** A share as whole percent, never `-0`. */
const pct = (x: number) => String(Math.round(x * 100) || 0);

/** `12 % (8–15 %)`, a `*` when the pairs include disturbed windows; `–` for none. */
export function shareCell(r: RatioStat | null): string {
  if (!r) return '–';
  const range = r.pairs > 1 ? ` (${pct(r.min)}–${pct(r.max)} %)` : '';
  return `${pct(r.median)} %${range}${r.clean ? '' : '*'}`;
}

const gapCell = (x: number | null) => (x === null ? '–' : `${pct(x)} %`);

/**
 * Where pushrace's cost above the floor goes: one row per comparison that ran the ablation
 * (pushrace without its byte meter), CPU per operation and RSS per connection (see costs.ts).
 */
export function costTable(comparisons: readonly Comparison[]): Table {
  const rows: string[][] = [];
  for (const c of comparisons) {
    const b = costBreakdown(c);
    if (!b) continue;
    rows.push([
      c.transport,
      PHASE_LABEL[c.phase].en,
      ratioCell(b.cpu),
      ratioCell(b.unmeteredCpu),
      shareCell(b.meterCpuShare),
      gapCell(b.meterCpuOfGap),
      ratioCell(b.rss),
      ratioCell(b.unmeteredRss),
      shareCell(b.meterRssShare),
    ]);
  }
  return {
    head: [
      'transport 传输',
      'load 负载',
      'CPU/op ÷ floor 对底线',
      'without meter ÷ floor 去掉计量后',
      "meter's share of CPU/op 计量占比",
      'of the gap 占差距',
      'RSS/conn ÷ floor 内存对底线',
      'without meter ÷ floor 去掉计量后',
      "meter's share of RSS/conn 计量占比",
    ],
    numeric: [false, false, true, true, true, true, true, true, true],
    rows,
  };
}

/** One comparison's servers: medians over repetitions, and how clean their windows were. */
export function serversTable(c: Comparison): Table {
  return {
    head: [
      'server 服务器',
      `CPU per ${c.op} 每次CPU`,
      c.op === 'request' ? 'RTT p50' : 'latency p50 延迟',
      c.op === 'request' ? 'RTT p99' : 'latency p99 延迟',
      'RSS/conn 每连接内存',
      'client CPU/op 客户端',
      'windows (disturbed) 窗口(受扰)',
      'lost 丢失',
    ],
    numeric: [false, true, true, true, true, true, true, true],
    rows: c.servers.map((s) => {
      const ops = s.windows.reduce((a, w) => a + w.ops, 0);
      const clientMs = s.windows.reduce((a, w) => a + w.clientCpuMs, 0);
      return [
        `${s.server} (${s.label})`,
        us(s.median.cpuUsPerOp),
        msCell(s.median.p50),
        msCell(s.median.p99),
        rssCell(s.median.rssPerConnectionBytes),
        us(ops > 0 ? (clientMs * 1000) / ops : null),
        `${s.windows.length} (${s.windows.filter((w) => w.disturbed).length})`,
        int(s.windows.reduce((a, w) => a + w.lost, 0)),
      ];
    }),
  };
}

/** Every window of a comparison, in the order they ran. */
export function windowsTable(c: Comparison): Table {
  const all = c.servers.flatMap((s) => s.windows.map((w) => ({ s, w })));
  all.sort((a, b) => a.w.rep - b.w.rep || a.w.position - b.w.position);
  return {
    head: [
      'rep',
      'server',
      'wall',
      'ops',
      'server CPU',
      'CPU/op',
      'p50',
      'p99',
      'load core busy',
      'others on server core',
      'steal',
      'disturbed 受扰',
      'lost',
    ],
    numeric: [true, false, true, true, true, true, true, true, true, true, true, false, true],
    rows: all.map(({ s, w }) => [
      String(w.rep + 1),
      s.server,
      msCell(w.wallMs),
      int(w.ops),
      msCell(w.serverCpuMs),
      us(w.cpuUsPerOp),
      msCell(w.latency?.p50 ?? null),
      msCell(w.latency?.p99 ?? null),
      w.clientCoreBusyPercent === null
        ? '–'
        : `${num(w.clientCoreBusyPercent)}%${w.clientSaturated ? ' SATURATED' : ''}`,
      msCell(w.othersOnServerCoreMs),
      msCell(w.stealMs),
      w.disturbed ? 'yes 是' : 'no 否',
      int(w.lost),
    ]),
  };
}

/** The loud problems: loss, saturated clients; shown above everything. */
export function peersAlarms(r: PeersResults): string[] {
  const windows = r.peers.comparisons.flatMap((c) => c.servers.flatMap((s) => s.windows));
  const out: string[] = [];
  const lost = windows.reduce((a, w) => a + w.lost + w.duplicated, 0);
  if (lost > 0) out.push(`LOST OR DUPLICATED MESSAGES: ${lost} over all windows (see the warnings).`);
  const saturated = windows.filter((w) => w.clientSaturated).length;
  if (saturated > 0) out.push(`SATURATED CLIENT CORE in ${saturated} windows: their latencies measure the clients.`);
  return out;
}

/** One line on how quiet the machine was, in both languages. */
export function disturbanceLine(r: PeersResults): { en: string; zh: string } {
  const { disturbedWindows: d, totalWindows: t } = r.peers;
  return {
    en: `${d} of ${t} windows were disturbed (other processes or steal took more than 3% of the server core); ratios marked * include them because no undisturbed pair existed.`,
    zh: `${t} 个测量窗口中有 ${d} 个受到干扰（其他进程或虚拟机窃取占用了服务器核心 3% 以上）；标 * 的比值因没有未受扰的配对而包含了受扰窗口。`,
  };
}
