/**
 * A run's name in each language. results.json stores one English label per run (the harness's
 * progress lines and the English report use it as it is); the Chinese conclusions need the
 * same name in Chinese, so it is said again from the run's point (the parameters that define
 * it), never by translating the label's words. A point this file does not know keeps the
 * label, and the committed-reports test shows which one.
 */
import { int, num } from '../format.ts';
import type { Run } from '../results-schema.ts';

type Point = Run['point'];

const numeric = (p: Point, k: string): number | null => {
  const v = p[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** The Chinese name of `run` in a results file of `scenario`. */
export function runNameZh(scenario: string, run: Run): string {
  const p = run.point;
  const clients = numeric(p, 'clients');
  const rate = numeric(p, 'ratePerSec');
  const burst = numeric(p, 'burstSize');
  const every = numeric(p, 'burstEveryMs');
  const interval = numeric(p, 'pollIntervalMs');
  const delay = numeric(p, 'delayMs');
  const rtt = numeric(p, 'rttMs');
  const duration = numeric(p, 'durationMs');
  const keys = Object.keys(p).length;
  if (run.capacity && keys === 0) return '轮询接口对比裸 Koa 路由';
  if (burst !== null && every !== null) return `每 ${num(every / 1000)} 秒突发 ${int(burst)} 条消息`;
  if (interval !== null && keys === 1) return `轮询间隔 T = ${num(interval)} ms`;
  if (delay !== null && rtt !== null) return `单向时延 ${num(delay)} ms（往返 ${num(rtt)} ms）`;
  if (duration !== null && keys === 1) return `空闲 ${num(duration / 1000)} 秒`;
  if (clients !== null && rate !== null && keys === 2) {
    const what = `${int(clients)} 个客户端，每秒 ${num(rate)} 条消息`;
    return scenario === 'capacity' ? `WebSocket 扇出：${what}` : what;
  }
  if (clients !== null && keys === 1) return `每种传输 ${int(clients)} 个客户端`;
  return run.label;
}

/** The name of `run` in `lang`: its label in English, `runNameZh` in Chinese. */
export function runName(lang: 'en' | 'zh', scenario: string, run: Run): string {
  return lang === 'en' ? run.label : runNameZh(scenario, run);
}
