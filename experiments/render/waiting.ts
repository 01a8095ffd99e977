/**
 * What waiting costs each transport when nothing is published, from the protocol: polling
 * asks every T and is answered empty; a long-poll is answered 204 after its timeout and asks
 * again; an SSE stream carries a `: heartbeat` comment every 15 s; a WebSocket a ping every
 * 30 s, answered by a pong. An idle report sets the measured bytes beside this, and says so
 * when its window was shorter than a heartbeat's period: then none (or one) fell in it, and a
 * per-minute figure extrapolated from the window says nothing.
 */
import { PROTOCOL_DEFAULTS } from '../../protocol/defaults.ts';
import type { TransportName } from '../../protocol/wire.ts';
import { transportsOf } from '../derived.ts';
import { bytes, duration, num } from '../format.ts';
import { chunkFramingBytes, SSE_HEARTBEAT_BYTES, wsFrameHeaderBytes } from '../model.ts';
import type { Run, TransportResult } from '../results-schema.ts';
import { TRANSPORT_LABEL } from './labels.ts';

/** A run in which nothing was published: no transport had anything to deliver. */
export function isIdleRun(run: Run): boolean {
  const rs = transportsOf(run);
  return rs.length > 0 && rs.every(([, r]) => r.expected === 0 && r.delivered === 0);
}

/** One heartbeat (or empty exchange) of a transport: how often, and its bytes each way. */
export interface Beat {
  /** Period in ms. */
  everyMs: number;
  /** Bytes server → client per beat, or null when only a measurement can say (HTTP heads). */
  outBytes: number | null;
  /** Bytes client → server per beat, or null likewise. */
  inBytes: number | null;
  /** What the beat is, in English and Chinese. */
  en: string;
  zh: string;
}

/** SSE: `: heartbeat\n\n` in its own chunk (13 bytes + hex size and CRLFs). */
const SSE_BEAT_BYTES = SSE_HEARTBEAT_BYTES + chunkFramingBytes(SSE_HEARTBEAT_BYTES);
/** WebSocket: an empty ping from the server (unmasked), an empty pong back (masked). */
const WS_PING_BYTES = wsFrameHeaderBytes(0, false);
const WS_PONG_BYTES = wsFrameHeaderBytes(0, true);
/** socket.io over its websocket: a `2` ping packet in a frame, a `3` pong back in a masked one. */
const SIO_PING_BYTES = wsFrameHeaderBytes(1, false) + 1;
const SIO_PONG_BYTES = wsFrameHeaderBytes(1, true) + 1;

/** Measured bytes per HTTP exchange of `r` (each way), or null without any request. */
function perRequest(r: TransportResult): { out: number; in: number } | null {
  if (r.requests === 0) return null;
  return {
    out: (r.bytes.out.header + r.bytes.out.payload) / r.requests,
    in: (r.bytes.in.header + r.bytes.in.payload) / r.requests,
  };
}

/** The beat of transport `t` in `r`'s run, by the protocol and the run's settings. */
export function beatOf(t: TransportName, r: TransportResult): Beat {
  const i = r.model.inputs;
  const http = perRequest(r);
  switch (t) {
    case 'poll':
      return {
        everyMs: i.pollIntervalMs,
        outBytes: http?.out ?? null,
        inBytes: http?.in ?? null,
        en: `a request every ${duration(i.pollIntervalMs)}, answered empty`,
        zh: `每 ${duration(i.pollIntervalMs)} 一个请求，应答为空`,
      };
    case 'long-poll':
      return {
        everyMs: i.longPollTimeoutMs + i.rttMs + i.serviceMs,
        outBytes: http?.out ?? null,
        inBytes: http?.in ?? null,
        en: `a 204 answer after each ${duration(i.longPollTimeoutMs)} timeout, then a new request`,
        zh: `每次 ${duration(i.longPollTimeoutMs)} 超时后一个 204 应答，随后重新请求`,
      };
    case 'sse':
      return {
        everyMs: i.sseHeartbeatMs,
        outBytes: SSE_BEAT_BYTES,
        inBytes: 0,
        en: `a ": heartbeat" comment every ${duration(i.sseHeartbeatMs)}, ${SSE_HEARTBEAT_BYTES} B + ${chunkFramingBytes(SSE_HEARTBEAT_BYTES)} B chunk framing`,
        zh: `每 ${duration(i.sseHeartbeatMs)} 一行 ": heartbeat" 注释，${SSE_HEARTBEAT_BYTES} B 另加 ${chunkFramingBytes(SSE_HEARTBEAT_BYTES)} B 分块帧`,
      };
    case 'ws':
      return {
        everyMs: PROTOCOL_DEFAULTS.wsHeartbeatMs,
        outBytes: WS_PING_BYTES,
        inBytes: WS_PONG_BYTES,
        en: `a ping of ${WS_PING_BYTES} B every ${duration(PROTOCOL_DEFAULTS.wsHeartbeatMs)}, answered by a masked pong of ${WS_PONG_BYTES} B`,
        zh: `每 ${duration(PROTOCOL_DEFAULTS.wsHeartbeatMs)} 一个 ${WS_PING_BYTES} B 的 ping，客户端回一个带掩码的 ${WS_PONG_BYTES} B pong`,
      };
    case 'socketio':
      return {
        everyMs: PROTOCOL_DEFAULTS.socketioPingIntervalMs,
        outBytes: SIO_PING_BYTES,
        inBytes: SIO_PONG_BYTES,
        en: `an engine.io ping packet "2" of ${SIO_PING_BYTES} B every ${duration(PROTOCOL_DEFAULTS.socketioPingIntervalMs)}, answered by a masked "3" of ${SIO_PONG_BYTES} B`,
        zh: `每 ${duration(PROTOCOL_DEFAULTS.socketioPingIntervalMs)} 一个 ${SIO_PING_BYTES} B 的 engine.io ping 包 "2"，客户端回一个带掩码的 ${SIO_PONG_BYTES} B "3"`,
      };
  }
}

/** Wire bytes (both ways) per client per minute that the beat costs, or null when unknown. */
export function beatBytesPerMinute(b: Beat): number | null {
  if (b.outBytes === null || b.inBytes === null || b.everyMs <= 0) return null;
  return ((b.outBytes + b.inBytes) * 60_000) / b.everyMs;
}

/**
 * Transports of an idle run whose window was shorter than their beat's period: their
 * measured bytes per minute are an extrapolation of at most one beat (often none).
 */
export function shortWindows(run: Run): Array<{ t: TransportName; r: TransportResult; beat: Beat }> {
  return transportsOf(run).flatMap(([t, r]) => {
    const beat = beatOf(t, r);
    return r.durationMs < beat.everyMs ? [{ t, r, beat }] : [];
  });
}

/** The note under an idle table when a window was shorter than a beat, in both languages. */
export function shortWindowNote(run: Run): { en: string; zh: string } | null {
  const short = shortWindows(run);
  if (short.length === 0) return null;
  const seconds = num(Math.max(...short.map(({ r }) => r.durationMs)) / 1000);
  const periods = (lang: 'en' | 'zh') =>
    short.map(({ t, beat }) =>
      lang === 'en'
        ? `${TRANSPORT_LABEL.en[t]} (${duration(beat.everyMs)})`
        : `${TRANSPORT_LABEL.zh[t]}（${duration(beat.everyMs)}）`,
    );
  const en = short.map(({ t, beat }) => `${TRANSPORT_LABEL.en[t]} ${bytes(beatBytesPerMinute(beat) ?? 0)}, ${beat.en}`);
  const zh = short.map(({ t, beat }) => `${TRANSPORT_LABEL.zh[t]} ${bytes(beatBytesPerMinute(beat) ?? 0)}，${beat.zh}`);
  const known = short.every(({ beat }) => beatBytesPerMinute(beat) !== null);
  return {
    en:
      `The window (${seconds} s) was shorter than the heartbeat period of ${periods('en').join(' and ')}: at most one heartbeat fell in it, ` +
      `so the measured bytes per minute say nothing (0 B means none did). ${known ? `By the protocol, waiting costs per client per minute: ${en.join('; ')}.` : 'Run the full idle scenario (60 s) to measure it.'}`,
    zh:
      `测量窗口（${seconds} 秒）短于${periods('zh').join('和')}的心跳周期：窗口内最多出现一次心跳，按分钟折算的字节数没有意义（0 B 表示一次也没有）。` +
      `${known ? `按协议计算，每个客户端每分钟的空等开销为：${zh.join('；')}。` : '请运行完整的空闲场景（60 秒）来测量。'}`,
  };
}
