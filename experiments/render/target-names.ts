/**
 * The performance targets in Chinese. results.json stores each checked target with its English
 * name and requirement (targets.ts writes them); the Chinese conclusion says the same target in
 * Chinese, found by that English name. A target this table does not know is said in English,
 * and the committed-reports test names it.
 */
import { bytes, int, num } from '../format.ts';
import type { TargetCheck } from '../results-schema.ts';
import { TARGETS } from '../targets.ts';

/** A target said in Chinese: its name, what it requires, and the measured value with its unit. */
export interface TargetZh {
  name: string;
  required: string;
  measured: string;
}

const ms = (x: number) => `${num(x)} ms`;

/** English name (as targets.ts writes it) → the Chinese name and requirement. */
const NAMES: Record<string, { name: string; required: string }> = {
  [`WebSocket fan-out p99 at ${int(TARGETS.fanoutClients)} clients`]: {
    name: `${int(TARGETS.fanoutClients)} 个客户端时 WebSocket 扇出的 p99`,
    required: `p99 < ${ms(TARGETS.wsFanoutP99Ms)}`,
  },
  [`long-poll release p99 at ${int(TARGETS.fanoutClients)} held requests`]: {
    name: `${int(TARGETS.fanoutClients)} 个挂起请求时长轮询释放的 p99`,
    required: `p99 < ${ms(TARGETS.longPollReleaseP99Ms)}`,
  },
  'server RSS per WebSocket connection': {
    name: '每个 WebSocket 连接占用的服务器 RSS',
    required: `每个连接 ≤ ${bytes(TARGETS.rssPerConnectionBytes)}`,
  },
  'server RSS per held long-poll': {
    name: '每个挂起的长轮询占用的服务器 RSS',
    required: `每个连接 ≤ ${bytes(TARGETS.rssPerConnectionBytes)}`,
  },
  'WebSocket deliveries per second': {
    name: 'WebSocket 每秒投递数',
    required: `≥ ${int(TARGETS.wsDeliveriesPerSec)} 次/秒`,
  },
  'poll route vs bare Koa': {
    name: '轮询接口与裸 Koa 路由的吞吐之比',
    required: `≥ 裸 Koa 路由每秒请求数的 ${num(TARGETS.pollVsBareRatio)} 倍`,
  },
};

/** A measured value with its unit, in Chinese. */
function measuredZh(t: TargetCheck): string {
  switch (t.unit) {
    case 'bytes':
      return bytes(t.measured);
    case 'deliveries/s':
      return `${num(t.measured)} 次/秒`;
    case '×':
      return `${num(t.measured)} 倍`;
    default:
      return `${num(t.measured)} ${t.unit}`;
  }
}

/** `t` in Chinese; its English name and requirement where the table does not know it. */
export function targetZh(t: TargetCheck): TargetZh {
  const known = NAMES[t.name];
  return { name: known?.name ?? t.name, required: known?.required ?? t.target, measured: measuredZh(t) };
}

/** Whether `name` has a Chinese name here (the test holds every name targets.ts writes to this). */
export function hasChineseName(name: string): boolean {
  return name in NAMES;
}
