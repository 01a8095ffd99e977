/**
 * Names and colours of the transports in reports, in both languages: one table, so the
 * Markdown, the HTML and the conclusions never disagree about what a transport is called.
 */
import type { TransportName } from '../../protocol/wire.ts';

/** How a sentence names a transport. */
export const TRANSPORT_LABEL: Record<'en' | 'zh', Record<TransportName, string>> = {
  en: { poll: 'polling', 'long-poll': 'long-poll', sse: 'SSE', ws: 'WebSocket', socketio: 'socket.io' },
  zh: { poll: '轮询', 'long-poll': '长轮询', sse: 'SSE', ws: 'WebSocket', socketio: 'socket.io' },
};

/** One colour per transport, the same in every chart (colour-blind safe: Okabe–Ito). */
export const TRANSPORT_COLOR: Record<TransportName, string> = {
  poll: '#E69F00',
  'long-poll': '#CC79A7',
  sse: '#009E73',
  ws: '#0072B2',
  socketio: '#56B4E9',
};

/** How the known sweep keys are named (in sentences and on axes); an unknown key is shown as itself. */
export const SWEEP_AXIS_LABEL: Record<string, { en: string; zh: string; unit: string }> = {
  pollIntervalMs: { en: 'poll interval T', zh: '轮询间隔 T', unit: 'ms' },
  rttMs: { en: 'added round trip', zh: '附加往返时延', unit: 'ms' },
  delayMs: { en: 'added one-way delay', zh: '附加单向时延', unit: 'ms' },
  clients: { en: 'clients per transport', zh: '每种传输的客户端数', unit: '' },
  ratePerSec: { en: 'publish rate', zh: '发布速率', unit: 'msg/s' },
  burstSize: { en: 'messages per burst', zh: '每次突发的消息数', unit: '' },
};

/** The axis title of a sweep key, e.g. `poll interval T (ms)`. */
export function axisTitle(key: string): string {
  const l = SWEEP_AXIS_LABEL[key];
  if (!l) return key;
  return l.unit ? `${l.en} (${l.unit})` : l.en;
}
