import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { MemoryFeed } from '../../server/feed/memory-feed.ts';
import type { RunningServer } from '../../server/server.ts';
import { heapAfterGc } from '../support/gc.ts';
import { startTestServer, waitFor } from '../support/server.ts';

/** Resolves when `done()` holds, re-checked whenever `arm`'s callback is called (bounded: 5 s). */
function waitForEvent(done: () => boolean, arm: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('fast client stalled for 5 s')), 5000);
    const check = () => {
      if (!done()) return;
      clearTimeout(timer);
      resolve();
    };
    arm(check);
    check();
  });
}

const BOUND = 256 * 1024;
const BODY = 'x'.repeat(2000);
const MESSAGES = 10_000;

/** A raw client that sends `head`, reads the answer's head, then never reads again. */
async function stuckClient(port: number, head: string): Promise<{ socket: Socket }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(head);
  await new Promise<void>((resolve) => {
    let got = '';
    const onData = (c: Buffer) => {
      got += c.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        socket.off('data', onData);
        socket.pause();
        resolve();
      }
    };
    socket.on('data', onData);
  });
  return { socket };
}

describe('backpressure', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({ historySize: 1000, sendBufferBytes: BOUND, slowConsumerMs: 500, publishRate: 0 });
  });
  after(() => s.close());

  it('pauses and then closes readers that stop reading; memory stays bounded; others unaffected', async () => {
    const port = Number(new URL(s.url).port);
    const feed = s.feed as MemoryFeed;
    const heapBefore = heapAfterGc();
    const rssBefore = process.memoryUsage.rss();
    const ws = await stuckClient(
      port,
      'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const sse = await stuckClient(
      port,
      'GET /api/sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n',
    );
    // The well-behaved reader keeps no frames (so the heap measures the server), only counts.
    const fast = new WebSocket(`${s.url.replace('http', 'ws')}/ws`, { perMessageDeflate: false });
    const latencies: number[] = [];
    let received = 0;
    let waiter: (() => void) | undefined;
    fast.on('message', (data) => {
      const f = JSON.parse(String(data)) as { type: string; ts: number };
      if (f.type !== 'message') return;
      received++;
      latencies.push(performance.timeOrigin + performance.now() - f.ts);
      waiter?.();
    });
    await new Promise<void>((resolve) => fast.once('open', () => resolve()));
    const caughtUp = (n: number) =>
      waitForEvent(
        () => received >= n,
        (w) => {
          waiter = w;
        },
      );
    for (let i = 0; i < MESSAGES; i += 50) {
      for (let j = 0; j < 50; j++) feed.publishSync({ source: 'bench', body: BODY });
      await caughtUp(i + 50);
    }
    const heapDuring = heapAfterGc();
    const rssDuring = process.memoryUsage.rss();
    // A reader that does not read cannot see its socket close; the server's side can.
    const publishedAt = performance.now();
    await waitFor(() => s.stats.transports.sse.connections === 0, 5000, 'stuck sse cut');
    const sseMs = performance.now() - publishedAt;
    await waitFor(() => s.stats.transports.ws.connections === 1, 5000, 'stuck ws cut');
    const wsMs = performance.now() - publishedAt;
    ws.socket.destroy();
    sse.socket.destroy();
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN;
    const grew = (heapDuring - heapBefore) / 2 ** 20;
    console.log(
      `# ${MESSAGES} × ${BODY.length} B: stuck ws cut ${wsMs.toFixed(0)} ms and stuck sse ${sseMs.toFixed(0)} ms after the last publish; ` +
        `heap +${grew.toFixed(1)} MiB (history alone ≈ ${((1000 * BODY.length * 3) / 2 ** 20).toFixed(1)} MiB), ` +
        `rss ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssDuring / 2 ** 20).toFixed(0)} MiB; fast client p99 ${p99.toFixed(2)} ms`,
    );
    assert.equal(received, MESSAGES, 'the fast client got every message');
    // Without the bound the stuck readers would pin all 10 000 messages (≈ 40 MiB of frames).
    assert.ok(grew < 20, `heap grew ${grew} MiB`);
    assert.ok(p99 < 250, `fast client p99 ${p99} ms`);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /pushrace_slow_consumer_total\{transport="ws",reason="closed"\} 1/);
    assert.match(metrics, /pushrace_slow_consumer_total\{transport="sse",reason="closed"\} 1/);
    fast.close();
  });

  it('a slow reader that drains is resumed from the feed with every message, in order', async () => {
    const port = Number(new URL(s.url).port);
    const feed = s.feed as MemoryFeed;
    const from = feed.head;
    const slow = await stuckClient(port, `GET /api/sse?after=${from} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    for (let i = 0; i < 400; i++) feed.publishSync({ source: 'bench', body: BODY });
    // Over the bound: paused. Now read everything and check the ids are contiguous.
    let text = '';
    slow.socket.setEncoding('utf8');
    slow.socket.on('data', (c: string) => {
      text += c;
    });
    slow.socket.resume();
    const ids = () => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    await waitFor(() => ids().includes(from + 400), 5000, 'all 400 events');
    const seqs = ids().filter((id) => id > from);
    assert.deepEqual(
      seqs,
      Array.from({ length: 400 }, (_, i) => from + 1 + i),
    );
    assert.doesNotMatch(text, /event: reset/);
    slow.socket.destroy();
  });
});
