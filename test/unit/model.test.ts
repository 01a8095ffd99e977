import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { quantile } from '../../experiments/mixture.ts';
import {
  chunkFramingBytes,
  expectedBytesPerDelivered,
  expectedLatency,
  expectedRequests,
  expectedTimeouts,
  expectTransport,
  longPollGapShare,
  longPollRequestsPerBatch,
  pollEnvelopeBytes,
  sseEventSyntaxBytes,
  WS_MESSAGE_WRAPPER_BYTES,
  wsFrameHeaderBytes,
} from '../../experiments/model.ts';
import type { FeedMessage } from '../../protocol/wire.ts';
import { messageJson, sseMessageChunk, wsMessageFrame } from '../../server/feed/encode.ts';
import { readResponseBody } from '../../server/transports/shared/read-response.ts';

const close = (actual: number, expected: number, tolerance = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

describe('model', () => {
  describe('#expectedLatency', () => {
    it('poll: U(0, T) plus transit and service, so p50 = T/2 and p99 = 0.99 T above the floor', () => {
      const bare = expectedLatency('poll', { pollIntervalMs: 1000, rttMs: 0, serviceMs: 0 });
      close(bare.p50, 500);
      close(bare.p99, 990);
      close(bare.mean, 500);
      const far = expectedLatency('poll', { pollIntervalMs: 1000, rttMs: 20, serviceMs: 1 });
      close(far.p50, 500 + 10 + 1);
      close(far.p99, 990 + 10 + 1);
      assert.match(far.explanation, /1,000 ms/);
    });

    it('poll: a period shorter than a round trip is stretched to the round trip', () => {
      const r = expectedLatency('poll', { pollIntervalMs: 10, rttMs: 100, serviceMs: 0 });
      close(r.p50, 50 + 50);
    });

    it('sse and ws: one transit plus service', () => {
      for (const t of ['sse', 'ws'] as const) {
        const r = expectedLatency(t, { rttMs: 40, serviceMs: 0.5 });
        close(r.p50, 20.5);
        close(r.p99, 20.5);
        close(r.mean, 20.5);
      }
    });

    it('long-poll at a low rate: one transit, the re-request gap too rare to reach p99', () => {
      const r = expectedLatency('long-poll', { rttMs: 2, serviceMs: 0.5, ratePerSec: 1 });
      close(r.p50, 1.5);
      close(r.p99, 1.5);
      assert.ok(r.mean > 1.5 && r.mean < 1.51);
    });

    it('long-poll: the share of messages arriving in the gap is ≈ re-request time × rate when small', () => {
      const share = longPollGapShare({ rttMs: 10, serviceMs: 0, ratePerSec: 1 });
      close(share, 0.01, 0.0005);
    });

    it('long-poll at a high rate: most messages wait for the re-request, p99 near base + one round trip', () => {
      const i = { rttMs: 100, serviceMs: 0, ratePerSec: 20, longPollTimeoutMs: 25_000 };
      const lambda = 20 / 1000;
      const cycle = 100 + (Math.exp(-lambda * 100) * (1 - Math.exp(-lambda * 25_000))) / lambda;
      const q = 100 / cycle;
      close(longPollGapShare(i), q);
      const r = expectedLatency('long-poll', i);
      close(r.p99, 50 + 100 * (1 - 0.01 / q), 1e-6);
      close(r.mean, 50 + (q * 100) / 2);
    });

    it('long-poll in a burst: all but the first message wait one re-request', () => {
      const r = expectedLatency('long-poll', { rttMs: 20, serviceMs: 0, ratePerSec: 0.1, burstSize: 10 });
      close(r.p50, 10 + 20);
      close(r.p99, 10 + 20);
      assert.match(r.explanation, /the other 9 wait/);
    });

    it('long-poll in a burst: the release carries the first message, the re-request the rest — 2 requests', () => {
      const burst = { rttMs: 0, serviceMs: 0.5, ratePerSec: 20 / 3, burstSize: 20, arrivals: 'periodic' as const };
      assert.equal(longPollRequestsPerBatch(burst), 2);
      assert.equal(longPollRequestsPerBatch({ burstSize: 1 }), 1);
      assert.equal(longPollRequestsPerBatch({ burstSize: 2002 }), 4);
      const m = expectTransport('long-poll', burst, null);
      close(m.requestsPerDelivered ?? Number.NaN, 2 / 20, 1e-9);
      assert.match(m.explanation, /2 requests per burst/);
    });

    it('long-poll with periodic arrivals: slower than the gap never wait, faster always do', () => {
      assert.equal(longPollGapShare({ rttMs: 10, serviceMs: 0, ratePerSec: 1, arrivals: 'periodic' }), 0);
      assert.equal(longPollGapShare({ rttMs: 10, serviceMs: 0, ratePerSec: 200, arrivals: 'periodic' }), 1);
    });
  });

  describe('#wsFrameHeaderBytes', () => {
    it('is 2, 4 or 10 bytes by payload length (RFC 6455 §5.2), +4 for a masked client frame', () => {
      assert.equal(wsFrameHeaderBytes(0, false), 2);
      assert.equal(wsFrameHeaderBytes(125, false), 2);
      assert.equal(wsFrameHeaderBytes(126, false), 4);
      assert.equal(wsFrameHeaderBytes(65_535, false), 4);
      assert.equal(wsFrameHeaderBytes(65_536, false), 10);
      assert.equal(wsFrameHeaderBytes(125, true), 6);
      assert.equal(wsFrameHeaderBytes(70_000, true), 14);
      assert.throws(() => wsFrameHeaderBytes(-1, false));
      assert.throws(() => wsFrameHeaderBytes(1.5, false));
    });
  });

  describe('#expectedRequests', () => {
    it('poll: ⌈duration / T⌉ per client', () => {
      assert.equal(expectedRequests('poll', 60_000, { pollIntervalMs: 1000 }), 60);
      assert.equal(expectedRequests('poll', 60_001, { pollIntervalMs: 1000 }), 61);
      assert.equal(expectedRequests('poll', 1000, { pollIntervalMs: 100 }), 10);
    });

    it('long-poll: one per timeout when idle, about one per message when messages are rare', () => {
      close(expectedRequests('long-poll', 60_000, { ratePerSec: 0, rttMs: 0, serviceMs: 0 }), 2.4);
      close(expectedTimeouts('long-poll', 60_000, { ratePerSec: 0, rttMs: 0, serviceMs: 0 }), 2.4);
      const busy = expectedRequests('long-poll', 60_000, { ratePerSec: 1, rttMs: 1, serviceMs: 0 });
      assert.ok(busy > 59.9 && busy < 60.1, `${busy}`);
      assert.ok(expectedTimeouts('long-poll', 60_000, { ratePerSec: 1 }) < 1e-6);
    });

    it('sse and ws: none after connecting', () => {
      assert.equal(expectedRequests('sse', 60_000), 0);
      assert.equal(expectedRequests('ws', 60_000), 0);
    });
  });

  describe('bytes, against the server’s own encoders', () => {
    const message: FeedMessage = {
      seq: 4217,
      ts: 1763884800123.456,
      source: 'bench',
      body: { n: 1, pad: 'x'.repeat(40) },
    };
    const json = messageJson(message).length;

    it('a poll answer’s envelope is what readResponseBody adds around the messages', () => {
      const body = readResponseBody({ epoch: 'Xk3_a9Qz', cursor: 4217, messages: [message], reset: false });
      assert.equal(body.length, pollEnvelopeBytes(8, 4) + json);
    });

    it('an SSE event’s syntax is what sseMessageChunk adds to the JSON, chunk framing apart', () => {
      const chunk = sseMessageChunk(message);
      const event = sseEventSyntaxBytes(4) + json;
      assert.equal(chunk.length, event + chunkFramingBytes(event));
      assert.equal(chunkFramingBytes(255), 2 + 4);
      assert.equal(chunkFramingBytes(256), 3 + 4);
    });

    it('a WebSocket frame payload is the JSON plus {"type":"message",', () => {
      const frame = wsMessageFrame(message);
      assert.equal(frame.length - (json + 17 <= 125 ? 2 : 4), json + WS_MESSAGE_WRAPPER_BYTES);
      const ws = expectedBytesPerDelivered(
        'ws',
        { messageBytes: json, seqDigits: 4, epochLength: 8, requestHeadBytes: 0, responseHeadBytes: 0 },
        { requestsPerDelivered: 0, timeoutsPerDelivered: 0, heartbeatsPerDelivered: 0 },
      );
      assert.deepEqual(ws.out, { header: json + 17 <= 125 ? 2 : 4, payload: json + 17 });
      assert.deepEqual(ws.in, { header: 0, payload: 0 });
    });

    it('poll: measured heads times modelled requests per delivered message', () => {
      const b = expectedBytesPerDelivered(
        'poll',
        { messageBytes: 80, seqDigits: 2, epochLength: 8, requestHeadBytes: 120, responseHeadBytes: 160 },
        { requestsPerDelivered: 5, timeoutsPerDelivered: 0, heartbeatsPerDelivered: 0 },
      );
      assert.equal(b.out.header, 800);
      assert.equal(b.in.header, 600);
      assert.equal(b.out.payload, 80 + 5 * pollEnvelopeBytes(8, 2));
    });
  });

  describe('#expectTransport', () => {
    it('gathers latency, requests and bytes; per-delivered figures are null when nothing is published', () => {
      const idle = expectTransport('poll', { ratePerSec: 0 }, null);
      assert.equal(idle.requestsPerDelivered, null);
      assert.equal(idle.bytesPerDelivered, null);
      close(idle.requestsPerSecPerClient, 1);
      const busy = expectTransport(
        'poll',
        { ratePerSec: 2, pollIntervalMs: 100 },
        { messageBytes: 80, seqDigits: 2, epochLength: 8, requestHeadBytes: 120, responseHeadBytes: 160 },
      );
      close(busy.requestsPerDelivered ?? Number.NaN, 5);
      close(busy.bytesPerDelivered?.out.header ?? Number.NaN, 800);
      assert.equal(busy.inputs.pollIntervalMs, 100);
      assert.equal(busy.inputs.longPollTimeoutMs, 25_000);
    });
  });

  describe('mixture #quantile', () => {
    it('inverts a uniform piece exactly', () => {
      fc.assert(
        fc.property(
          fc.double({ min: 0, max: 1000, noNaN: true }),
          fc.double({ min: 0.001, max: 1000, noNaN: true }),
          fc.double({ min: 0.001, max: 1, noNaN: true }),
          (lo, width, q) => {
            const x = quantile([{ weight: 1, lo, hi: lo + width }], q);
            return Math.abs(x - (lo + q * width)) < 1e-6;
          },
        ),
      );
    });
  });
});
