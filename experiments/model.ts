/**
 * The model every measurement is drawn next to: what each transport should cost, derived from
 * how it works rather than fitted to the data. A measurement that departs from its model is
 * either a finding or a bug; without the model a reader cannot tell a fast transport from a
 * lucky run.
 *
 * Words used throughout:
 * - one transit `d` = rttMs / 2: the network's one-way delay;
 * - service `s` = serviceMs: time spent processing one exchange (server handling + client parsing);
 * - base = d + s: the best any transport can do, a message pushed the moment it exists.
 *
 * Pure functions; every time in ms.
 */

import { PROTOCOL_DEFAULTS } from '../protocol/defaults.ts';
import type { ByteSplit, TransportName } from '../protocol/wire.ts';
import { ms, percent } from './format.ts';
import { mean, type Piece, quantile } from './mixture.ts';
import type { ModelExpectation, ModelInputs } from './results-schema.ts';

/** The conditions assumed when a caller leaves one out: the client library's and server's own defaults. */
export const MODEL_DEFAULTS: ModelInputs = {
  pollIntervalMs: PROTOCOL_DEFAULTS.pollIntervalMs,
  rttMs: 0,
  serviceMs: 0.5,
  longPollTimeoutMs: PROTOCOL_DEFAULTS.longPollTimeoutMs,
  ratePerSec: 1,
  burstSize: 1,
  arrivals: 'random',
  sseHeartbeatMs: PROTOCOL_DEFAULTS.sseHeartbeatMs,
};

/** `{ ...MODEL_DEFAULTS, ...given }`, ignoring keys given as undefined. */
export function resolveModelInputs(given: Partial<ModelInputs> = {}): ModelInputs {
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  return { ...MODEL_DEFAULTS, ...defined };
}

/** Expected latency percentiles in ms, and the reason in one paragraph. */
export interface LatencyExpectation {
  p50: number;
  p99: number;
  mean: number;
  explanation: string;
}

/**
 * A poll scheduled every T ms cannot start sooner than the previous one answered, so the
 * effective period is max(T, rtt + service). The client library polls at a fixed rate.
 */
function pollPeriod(i: ModelInputs): number {
  return Math.max(i.pollIntervalMs, i.rttMs + i.serviceMs);
}

/**
 * The long-poll gap: after an answer leaves the server, one transit back, the client's
 * handling, one transit forward: ≈ rtt + service during which no request is held.
 */
function longPollGap(i: ModelInputs): number {
  return i.rttMs + i.serviceMs;
}

/** Batches (a burst counts once) per ms. */
function batchRatePerMs(i: ModelInputs): number {
  return i.ratePerSec / Math.max(1, i.burstSize) / 1000;
}

/**
 * Long-poll requests one batch costs. A release answers with every message since the cursor
 * up to the read limit (docs/protocol.md), but a burst is K separate publishes (the harness's,
 * like any real publisher's, are one request each): the first wakes every held request, which
 * reads and answers before the next publish is processed, so it carries that one message; the
 * re-request finds the other K − 1 stored and takes them in one answer per 1000. A burst of 20
 * is therefore 2 requests, not 1 (and more if the burst is still being stored when the
 * re-request arrives, which the model leaves out: it depends on the publisher, not the transport).
 */
export function longPollRequestsPerBatch(given: Partial<ModelInputs> = {}): number {
  const k = Math.max(1, resolveModelInputs(given).burstSize);
  return k === 1 ? 1 : 1 + Math.ceil((k - 1) / PROTOCOL_DEFAULTS.readLimit);
}

/**
 * Mean length of one long-poll cycle (request arrives → next request arrives), ms.
 * Random (Poisson) arrivals at rate λ: a request finds a message already waiting with
 * probability 1 − e^(−λg) and is answered at once; otherwise it is held min(Exp(λ), timeout).
 * So E[cycle] = g + e^(−λg) · (1 − e^(−λτ)) / λ, and g + τ when nothing is published.
 * Periodic arrivals every P: one request per message when g < P ≤ τ; back to back when P ≤ g;
 * timeouts in between when P > τ.
 */
function longPollCycle(i: ModelInputs): number {
  const g = longPollGap(i);
  const tau = i.longPollTimeoutMs;
  const lambda = batchRatePerMs(i);
  if (lambda <= 0) return g + tau;
  if (i.arrivals === 'random') return g + (Math.exp(-lambda * g) * (1 - Math.exp(-lambda * tau))) / lambda;
  const period = 1 / lambda;
  if (period <= g) return g;
  if (period <= tau) return period;
  return period / (1 + Math.floor(period / (tau + g)));
}

/**
 * The share of message batches that arrive while no long-poll is held. Random arrivals see
 * time averages (PASTA), so it is the share of time spent in gaps: g / E[cycle] — ≈ g × rate
 * when that is small. Periodic arrivals slower than the gap always find a
 * request held (unless timeouts interleave), faster ones never do.
 */
export function longPollGapShare(given: Partial<ModelInputs> = {}): number {
  const i = resolveModelInputs(given);
  const g = longPollGap(i);
  const lambda = batchRatePerMs(i);
  if (lambda <= 0) return 0;
  if (i.arrivals === 'random') return Math.min(1, g / longPollCycle(i));
  const period = 1 / lambda;
  if (period <= g) return 1;
  if (period <= i.longPollTimeoutMs) return 0;
  return g / (i.longPollTimeoutMs + g);
}

/** The latency distribution of one transport under `i`, as a mixture (see mixture.ts). */
export function latencyPieces(transport: TransportName, given: Partial<ModelInputs> = {}): Piece[] {
  const i = resolveModelInputs(given);
  const base = i.rttMs / 2 + i.serviceMs;
  switch (transport) {
    case 'poll':
      return [{ weight: 1, lo: base, hi: base + pollPeriod(i) }];
    case 'long-poll': {
      const g = longPollGap(i);
      const q = longPollGapShare(i);
      const k = Math.max(1, i.burstSize);
      return [
        { weight: q, lo: base, hi: base + g },
        { weight: (1 - q) / k, lo: base, hi: base },
        { weight: ((1 - q) * (k - 1)) / k, lo: base + g, hi: base + g },
      ];
    }
    case 'sse':
    case 'ws':
    case 'socketio':
      return [{ weight: 1, lo: base, hi: base }];
  }
}

function explain(transport: TransportName, i: ModelInputs): string {
  const d = i.rttMs / 2;
  const transit = `one transit (${ms(d)}) plus service (${ms(i.serviceMs)})`;
  switch (transport) {
    case 'poll': {
      const t = pollPeriod(i);
      return (
        `Polling every ${ms(t)}: a message waits for the next poll, uniformly between 0 and ${ms(t)}, ` +
        `then ${transit} — so p50 ≈ T/2 and p99 ≈ 0.99·T above that floor. Faster polling buys latency with requests.`
      );
    }
    case 'long-poll': {
      const g = longPollGap(i);
      const per = longPollRequestsPerBatch(i);
      const burst =
        i.burstSize > 1
          ? ` A burst of ${i.burstSize} is ${i.burstSize} publishes: the first releases the held request, whose answer ` +
            `carries that one message; the other ${i.burstSize - 1} wait for the re-request (+${ms(g)}), which takes ` +
            `every message stored since its cursor at once — ${per} requests per burst.`
          : '';
      return (
        `Long-poll: a held request is answered the moment a message exists — ${transit}. ` +
        `After each answer the client needs ≈ rtt + service = ${ms(g)} to re-request; a message published in that gap ` +
        `(${percent(longPollGapShare(i))} of them at this rate) waits up to that long more.${burst}`
      );
    }
    case 'socketio':
      return `socket.io (over its websocket transport): one event packet per message on an open WebSocket — ${transit}.`;
    case 'sse':
    case 'ws':
      return `${transport === 'ws' ? 'WebSocket' : 'SSE'}: the message is written to an open stream the moment it exists — ${transit}.`;
  }
}

/**
 * Expected delivery latency (publish → receive), ms.
 * - poll: wait ~ U(0, T) for the next poll, plus one transit back and service: p50 ≈ T/2, p99 ≈ 0.99·T.
 * - long-poll: one transit + service; messages published while no request is held (share ≈
 *   re-request time × rate) wait up to one more round trip; in a burst all but the first do.
 * - sse, ws: one transit + service.
 */
export function expectedLatency(transport: TransportName, given: Partial<ModelInputs> = {}): LatencyExpectation {
  const i = resolveModelInputs(given);
  const pieces = latencyPieces(transport, i);
  return {
    p50: quantile(pieces, 0.5),
    p99: quantile(pieces, 0.99),
    mean: mean(pieces),
    explanation: explain(transport, i),
  };
}

/**
 * RFC 6455 §5.2 frame header size: 2 bytes up to 125 payload bytes, 4 (16-bit length) up to
 * 65 535, 10 (64-bit length) above; client → server frames add a 4-byte masking key.
 */
export function wsFrameHeaderBytes(payloadLen: number, masked: boolean): number {
  if (!(Number.isInteger(payloadLen) && payloadLen >= 0)) throw new Error(`bad payload length ${payloadLen}`);
  const base = payloadLen <= 125 ? 2 : payloadLen <= 0xffff ? 4 : 10;
  return base + (masked ? 4 : 0);
}

/**
 * Requests one client makes in `durationMs`.
 * - poll: ⌈duration / T⌉ — fixed rate, whatever happens (T stretched to rtt + service if shorter).
 * - long-poll: one per cycle (see `longPollCycle`): ≈ one per message when messages are rarer
 *   than the gap, one per timeout when idle; a burst adds its re-request (`longPollRequestsPerBatch`).
 * - sse, ws: 0 once connected (the opening request is before the measured window).
 */
export function expectedRequests(
  transport: TransportName,
  durationMs: number,
  given: Partial<ModelInputs> = {},
): number {
  const i = resolveModelInputs(given);
  switch (transport) {
    case 'poll':
      return Math.ceil(durationMs / pollPeriod(i));
    case 'long-poll':
      return durationMs / longPollCycle(i) + durationMs * batchRatePerMs(i) * (longPollRequestsPerBatch(i) - 1);
    case 'sse':
    case 'ws':
    case 'socketio':
      return 0;
  }
}

/**
 * Long-poll 204 timeouts one client gets in `durationMs`: a held request times out when no
 * message comes for `longPollTimeoutMs`. Random arrivals: e^(−λ(g+τ)) per cycle; periodic:
 * ⌊P / (τ + g)⌋ per period P. 0 for the other transports.
 */
export function expectedTimeouts(
  transport: TransportName,
  durationMs: number,
  given: Partial<ModelInputs> = {},
): number {
  if (transport !== 'long-poll') return 0;
  const i = resolveModelInputs(given);
  const g = longPollGap(i);
  const tau = i.longPollTimeoutMs;
  const lambda = batchRatePerMs(i);
  if (lambda <= 0) return durationMs / (g + tau);
  if (i.arrivals === 'random') return (durationMs * Math.exp(-lambda * (g + tau))) / longPollCycle(i);
  const period = 1 / lambda;
  return period > tau ? (durationMs * Math.floor(period / (tau + g))) / period : 0;
}

/**
 * What the bytes model needs that only the run knows. HTTP heads are not modelled but
 * measured: their size depends on the server's headers (date, keep-alive, content type), which
 * a model would only copy; the rest follows from the protocol (docs/protocol.md).
 */
export interface WireFacts {
  /** Mean JSON length of one message as the server serializes it (`JSON.stringify(message)`). */
  messageBytes: number;
  /** Mean decimal digits of the seqs delivered. */
  seqDigits: number;
  /** Length of the feed's epoch string. */
  epochLength: number;
  /** Measured mean HTTP request head (poll, long-poll), bytes. */
  requestHeadBytes: number;
  /** Measured mean HTTP response head (poll, long-poll), bytes. */
  responseHeadBytes: number;
}

/** `{"type":"message",` replaces the message's `{`: what a WebSocket frame adds to the message JSON. */
export const WS_MESSAGE_WRAPPER_BYTES = '{"type":"message",'.length - 1;

/**
 * What engine.io and socket.io add to each message's JSON: the packet types `4` (message) and
 * `2` (event), the event array `["message",` and its closing `]` (docs/protocol.md, socket.io).
 */
export const SIO_MESSAGE_FRAMING_BYTES = '42["message",]'.length;
/** `: heartbeat\n\n`, one SSE comment. */
export const SSE_HEARTBEAT_BYTES = ': heartbeat\n\n'.length;

/** HTTP/1.1 chunked framing around one chunk of `len` bytes: hex size, CRLF, CRLF. */
export function chunkFramingBytes(len: number): number {
  return len.toString(16).length + 4;
}

/** SSE field syntax of one message event `id: <seq>\ndata: <json>\n\n` minus the JSON itself. */
export function sseEventSyntaxBytes(seqDigits: number): number {
  return 'id: \ndata: \n\n'.length + seqDigits;
}

/** `{"epoch":"…","cursor":N,"messages":[…]}` minus the messages: a poll answer's envelope. */
export function pollEnvelopeBytes(epochLength: number, cursorDigits: number): number {
  return '{"epoch":"","cursor":,"messages":[]}'.length + epochLength + cursorDigits;
}

/**
 * Expected wire bytes per delivered message in steady state, each direction split like the
 * server's meter (header = HTTP heads, chunk lines, SSE syntax, WS frame headers). Handshakes
 * are not included: the harness opens connections before the measured window.
 * - poll/long-poll: (requests per delivered) × measured heads out and in, plus one answer
 *   envelope per answer that carries a body (long-poll 204s carry none).
 * - sse: event syntax (13 + seq digits) and one chunk's framing per message, plus heartbeats.
 * - ws: one RFC 6455 header per message (server frames are not masked); nothing comes back.
 */
export function expectedBytesPerDelivered(
  transport: TransportName,
  wire: WireFacts,
  per: { requestsPerDelivered: number; timeoutsPerDelivered: number; heartbeatsPerDelivered: number },
): { in: ByteSplit; out: ByteSplit } {
  const none: ByteSplit = { header: 0, payload: 0 };
  const digits = Math.round(wire.seqDigits);
  switch (transport) {
    case 'poll':
    case 'long-poll': {
      const bodies = Math.max(0, per.requestsPerDelivered - per.timeoutsPerDelivered);
      // Messages after the first in one answer are separated by a comma.
      const commas = Math.max(0, 1 - bodies);
      return {
        in: { header: per.requestsPerDelivered * wire.requestHeadBytes, payload: 0 },
        out: {
          header: per.requestsPerDelivered * wire.responseHeadBytes,
          payload: wire.messageBytes + bodies * pollEnvelopeBytes(wire.epochLength, digits) + commas,
        },
      };
    }
    case 'sse': {
      const syntax = sseEventSyntaxBytes(digits);
      const event = syntax + wire.messageBytes;
      const heartbeat = SSE_HEARTBEAT_BYTES + chunkFramingBytes(SSE_HEARTBEAT_BYTES);
      return {
        in: none,
        out: {
          header: syntax + chunkFramingBytes(Math.round(event)) + per.heartbeatsPerDelivered * heartbeat,
          payload: wire.messageBytes,
        },
      };
    }
    case 'ws': {
      const payload = wire.messageBytes + WS_MESSAGE_WRAPPER_BYTES;
      return { in: none, out: { header: wsFrameHeaderBytes(Math.round(payload), false), payload } };
    }
    case 'socketio': {
      // `42["message",` + envelope + `]` in one frame: the packet framing is header.
      const frame = wire.messageBytes + SIO_MESSAGE_FRAMING_BYTES;
      return {
        in: none,
        out: {
          header: SIO_MESSAGE_FRAMING_BYTES + wsFrameHeaderBytes(Math.round(frame), false),
          payload: wire.messageBytes,
        },
      };
    }
  }
}

/**
 * The full expectation stored beside a measurement. `wire` is null when the run did not give
 * what the bytes model needs (then `bytesPerDelivered` is null, like in an idle run).
 */
export function expectTransport(
  transport: TransportName,
  given: Partial<ModelInputs>,
  wire: WireFacts | null,
): ModelExpectation {
  const inputs = resolveModelInputs(given);
  const latency = expectedLatency(transport, inputs);
  const second = 1000;
  const requestsPerSecPerClient =
    transport === 'poll' ? second / pollPeriod(inputs) : expectedRequests(transport, second, inputs);
  const timeoutsPerSecPerClient = expectedTimeouts(transport, second, inputs);
  const rate = inputs.ratePerSec;
  const requestsPerDelivered = rate > 0 ? requestsPerSecPerClient / rate : null;
  const bytesPerDelivered =
    rate > 0 && wire !== null && requestsPerDelivered !== null
      ? expectedBytesPerDelivered(transport, wire, {
          requestsPerDelivered,
          timeoutsPerDelivered: timeoutsPerSecPerClient / rate,
          heartbeatsPerDelivered: transport === 'sse' ? second / inputs.sseHeartbeatMs / rate : 0,
        })
      : null;
  return {
    inputs,
    latency: { p50: latency.p50, p99: latency.p99, mean: latency.mean },
    requestsPerSecPerClient,
    requestsPerDelivered,
    timeoutsPerSecPerClient,
    bytesPerDelivered,
    explanation: latency.explanation,
  };
}
