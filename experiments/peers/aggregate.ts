/**
 * The peers scenario's arithmetic, pure: a window's figures from the raw readings taken around
 * it, whether it was disturbed, each server's medians over repetitions, and pushrace's ratio to
 * each peer computed per repetition pair (windows of the same repetition ran minutes apart at
 * most, in alternating order) and then summarized.
 */
import { summarizeLatency } from '../latency.ts';
import type { PeerRatio, PeerServerResult, PeerWindow, RatioStat } from './schema.ts';

/** When a window counts as disturbed, and when a client core as saturated. */
export const PEERS_THRESHOLDS = {
  /** Others' CPU on the server core above this share of the window (tick sampling is ±1–2 %). */
  othersFraction: 0.03,
  /** Steal on the server core above this share of the window. */
  stealFraction: 0.02,
  /** Load core busy at or above this percent: the clients are the bottleneck. */
  saturatedPercent: 90,
};

/** The median of `xs` (mean of the middle two when even); null when empty. */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? null) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** What was read around one window, raw. */
export interface WindowReadings {
  rep: number;
  position: number;
  wallMs: number;
  ops: number;
  /** Server ns on CPU at the start and end (null off Linux). */
  serverCpuNs: [number | null, number | null];
  latencies: ArrayLike<number>;
  rssPerConnectionBytes: number | null;
  clients: number;
  requests: number;
  lost: number;
  duplicated: number;
  clientsWithLoss: number;
  errors: number;
  clientCpuMs: number;
  /** Busy ticks of the load core over the window, ms (null off Linux). */
  clientCoreBusyMs: number | null;
  /** Busy ticks of the server core, ms, and its steal, ms (null off Linux). */
  serverCoreBusyMs: number | null;
  serverCoreStealMs: number | null;
}

/** A window's figures from its readings. */
export function windowFigures(r: WindowReadings): PeerWindow {
  const [a, b] = r.serverCpuNs;
  const serverCpuMs = a !== null && b !== null ? Math.max(0, b - a) / 1e6 : 0;
  const lat = summarizeLatency(r.latencies);
  const others = r.serverCoreBusyMs === null ? null : Math.max(0, r.serverCoreBusyMs - serverCpuMs);
  const busy = r.clientCoreBusyMs === null ? null : Math.min(100, (r.clientCoreBusyMs / r.wallMs) * 100);
  return {
    rep: r.rep,
    position: r.position,
    wallMs: r.wallMs,
    ops: r.ops,
    serverCpuMs,
    cpuUsPerOp: r.ops > 0 ? (serverCpuMs * 1000) / r.ops : null,
    latency: lat ? { p50: lat.p50, p99: lat.p99, count: lat.count } : null,
    rssPerConnectionBytes: r.rssPerConnectionBytes,
    clients: r.clients,
    requests: r.requests,
    lost: r.lost,
    duplicated: r.duplicated,
    clientsWithLoss: r.clientsWithLoss,
    errors: r.errors,
    clientCpuMs: r.clientCpuMs,
    clientCoreBusyPercent: busy,
    clientSaturated: busy !== null && busy >= PEERS_THRESHOLDS.saturatedPercent,
    othersOnServerCoreMs: others,
    stealMs: r.serverCoreStealMs,
    disturbed: isDisturbed(others, r.serverCoreStealMs, r.wallMs),
  };
}

/** Whether other processes (or the hypervisor) took enough of the server core to matter. */
export function isDisturbed(othersMs: number | null, stealMs: number | null, wallMs: number): boolean {
  const t = PEERS_THRESHOLDS;
  return (othersMs ?? 0) > t.othersFraction * wallMs || (stealMs ?? 0) > t.stealFraction * wallMs;
}

type Pick = (w: PeerWindow) => number | null;

/** What a ratio can be taken of, per window. */
export const PICKS = {
  cpu: (w) => w.cpuUsPerOp,
  p50: (w) => w.latency?.p50 ?? null,
  p99: (w) => w.latency?.p99 ?? null,
  rss: (w) => w.rssPerConnectionBytes,
} satisfies Record<string, Pick>;

/** A server's medians over its windows. */
export function mediansOf(windows: readonly PeerWindow[]): PeerServerResult['median'] {
  const of = (pick: Pick) => median(windows.map(pick).filter((x): x is number => x !== null));
  return {
    cpuUsPerOp: of(PICKS.cpu),
    p50: of(PICKS.p50),
    p99: of(PICKS.p99),
    rssPerConnectionBytes: of(PICKS.rss),
  };
}

/**
 * `ours / theirs` of `pick`, per repetition both measured, summarized over the undisturbed
 * pairs when there is one, else over all (and marked unclean); null without any pair.
 */
export function ratioOf(ours: readonly PeerWindow[], theirs: readonly PeerWindow[], pick: Pick): RatioStat | null {
  const pairs: Array<{ ratio: number; clean: boolean }> = [];
  for (const o of ours) {
    const t = theirs.find((w) => w.rep === o.rep);
    const x = pick(o);
    const y = t ? pick(t) : null;
    if (!t || x === null || y === null || x <= 0 || y <= 0) continue;
    pairs.push({ ratio: x / y, clean: !o.disturbed && !t.disturbed });
  }
  const clean = pairs.filter((p) => p.clean);
  const used = (clean.length > 0 ? clean : pairs).map((p) => p.ratio);
  const m = median(used);
  if (m === null) return null;
  return { median: m, min: Math.min(...used), max: Math.max(...used), pairs: used.length, clean: clean.length > 0 };
}

/**
 * `ours / theirs` of RSS per connection, or null when either side's rise is within the noise:
 * a server whose RSS fell (or stayed) while its clients connected in any repetition has a
 * per-connection cost smaller than what the garbage collector moves around, and a ratio over
 * its other repetitions would only pick the lucky ones.
 */
export function rssRatioOf(ours: readonly PeerWindow[], theirs: readonly PeerWindow[]): RatioStat | null {
  const noisy = (ws: readonly PeerWindow[]) =>
    ws.some((w) => w.rssPerConnectionBytes !== null && w.rssPerConnectionBytes <= 0);
  return noisy(ours) || noisy(theirs) ? null : ratioOf(ours, theirs, PICKS.rss);
}

/** pushrace (`servers[0]`) against every other server. */
export function ratiosOf(servers: readonly PeerServerResult[]): PeerRatio[] {
  const [ours, ...peers] = servers;
  if (!ours) return [];
  return peers.map((p) => ({
    against: p.server,
    cpu: ratioOf(ours.windows, p.windows, PICKS.cpu),
    p99: ratioOf(ours.windows, p.windows, PICKS.p99),
    rss: rssRatioOf(ours.windows, p.windows),
  }));
}

/** The order servers run in, repetition `rep`: as listed, then reversed, alternating. */
export function orderOf<T>(servers: readonly T[], rep: number): T[] {
  return rep % 2 === 0 ? [...servers] : [...servers].reverse();
}
