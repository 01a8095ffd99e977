import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import type { RunningServer } from '../../server/server.ts';
import { heapAfterGc } from './gc.ts';
import { publishMany, waitFor } from './server.ts';

/** Resolves when `done()` holds, re-checked whenever `arm`'s callback is called (bounded: 20 s). */
function waitForEvent(done: () => boolean, arm: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('fast client stalled for 20 s')), 20_000);
    const check = () => {
      if (!done()) return;
      clearTimeout(timer);
      resolve();
    };
    arm(check);
    check();
  });
}

/** A raw client that sends `head`, reads the answer's head, then never reads again. */
export async function stuckClient(port: number, head: string): Promise<{ socket: Socket }> {
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

/** What `stuckReaders` observed. */
export interface StuckReadersRun {
  /** Messages the well-behaved reader received. */
  received: number;
  /** Heap growth (after GC) while the stuck readers were connected, MiB. */
  heapGrewMiB: number;
  /** The well-behaved reader's p99 latency, ms. */
  p99Ms: number;
  /** The server's Prometheus text afterwards. */
  metrics: string;
}

/**
 * A stuck WebSocket reader and a stuck SSE reader (each reads its answer's head, then never
 * again) and one well-behaved WebSocket reader, while `messages` × `body` are published in
 * steps the fast reader keeps up with; waits until the server cut both stuck readers.
 */
export async function stuckReaders(s: RunningServer, messages: number, body: string): Promise<StuckReadersRun> {
  const port = Number(new URL(s.url).port);
  const heapBefore = heapAfterGc();
  const ws = await stuckClient(
    port,
    'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const sse = await stuckClient(port, 'GET /api/sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
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
  for (let i = 0; i < messages; i += 50) {
    await publishMany(s.feed, 50, body);
    await caughtUp(i + 50);
  }
  const heapDuring = heapAfterGc();
  // A reader that does not read cannot see its socket close; the server's side can.
  await waitFor(() => s.stats.transports.sse.connections === 0, 10_000, 'stuck sse cut');
  await waitFor(() => s.stats.transports.ws.connections === 1, 10_000, 'stuck ws cut');
  ws.socket.destroy();
  sse.socket.destroy();
  latencies.sort((a, b) => a - b);
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  fast.close();
  return {
    received,
    heapGrewMiB: (heapDuring - heapBefore) / 2 ** 20,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN,
    metrics,
  };
}
