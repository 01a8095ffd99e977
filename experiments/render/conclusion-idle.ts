/**
 * The conclusion of a run in which nothing was published: what waiting cost each transport,
 * measured, beside what the protocol says it sends (waiting.ts), and, when the window was
 * shorter than a heartbeat's period, why the measured figure says nothing per minute.
 */
import type { TransportName } from '../../protocol/wire.ts';
import { bytesPerClientPerMinute, requestsPerSecPerClient, transportsOf } from '../derived.ts';
import { bytes, int, num } from '../format.ts';
import type { Run, TransportResult } from '../results-schema.ts';
import type { Sentence } from './conclusion.ts';
import { TRANSPORT_LABEL } from './labels.ts';
import { beatBytesPerMinute, beatOf, isIdleRun, shortWindowNote } from './waiting.ts';

const perMin = (r: TransportResult) => (requestsPerSecPerClient(r) ?? 0) * 60;

function requestsPart(lang: 'en' | 'zh', t: TransportName, r: TransportResult): string {
  const name = TRANSPORT_LABEL[lang][t];
  const model = num(r.model.requestsPerSecPerClient * 60);
  if (lang === 'en') {
    const timeouts = r.timeouts > 0 ? `, ${int(r.timeouts)} timeouts in all` : '';
    return `${name} ${num(perMin(r))} (model ${model}${timeouts})`;
  }
  const timeouts = r.timeouts > 0 ? `，共 ${int(r.timeouts)} 次超时` : '';
  return `${name} ${num(perMin(r))}（模型 ${model}${timeouts}）`;
}

function costPart(lang: 'en' | 'zh', t: TransportName, r: TransportResult): string {
  const name = TRANSPORT_LABEL[lang][t];
  const measured = bytes(bytesPerClientPerMinute(r) ?? 0);
  const protocol = beatBytesPerMinute(beatOf(t, r));
  if (protocol === null) return `${name} ${measured}`;
  return lang === 'en'
    ? `${name} ${measured} (protocol ${bytes(protocol)})`
    : `${name} ${measured}（按协议 ${bytes(protocol)}）`;
}

/** The idle sentences of `run`; none when something was published. */
export function idleAt(run: Run): Sentence[] {
  if (!isIdleRun(run)) return [];
  const rs = transportsOf(run);
  const seconds = num(Math.max(...rs.map(([, r]) => r.durationMs)) / 1000);
  const out: Sentence[] = [
    {
      en: `With nothing published for ${seconds} s, requests per client per minute were: ${rs.map(([t, r]) => requestsPart('en', t, r)).join(', ')}.`,
      zh: `在 ${seconds} 秒内没有发布任何消息时，每个客户端每分钟的请求数为：${rs.map(([t, r]) => requestsPart('zh', t, r)).join('，')}。`,
    },
    {
      en: `Waiting cost on the wire, per client per minute: ${rs.map(([t, r]) => costPart('en', t, r)).join(', ')}. Polling pays a full HTTP exchange per interval, long-poll one per timeout, SSE a heartbeat comment, WebSocket a ping and its pong.`,
      zh: `空等的线路开销（每个客户端每分钟）：${rs.map(([t, r]) => costPart('zh', t, r)).join('，')}。轮询每个间隔付一次完整的 HTTP 往返，长轮询每次超时付一次，SSE 付一行心跳注释，WebSocket 付一个 ping 和它的 pong。`,
    },
  ];
  const note = shortWindowNote(run);
  if (note) out.push(note);
  return out;
}
