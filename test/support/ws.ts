import WebSocket from 'ws';
import type { ServerFrame } from '../../protocol/wire.ts';

/** A raw `ws` client that queues every frame it gets, so a test can await the n-th one. */
export async function openWs(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  const frames: ServerFrame[] = [];
  let waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as ServerFrame);
    // Swap first: a waiter that is not satisfied yet queues itself again.
    const ready = waiters;
    waiters = [];
    for (const w of ready) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = (n: number, ms = 20_000) =>
    new Promise<ServerFrame[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${frames.length} of ${n} frames after ${ms} ms`)), ms);
      const check = () => {
        if (frames.length >= n) {
          clearTimeout(timer);
          resolve(frames.slice(0, n));
        } else waiters.push(check);
      };
      check();
    });
  return {
    ws,
    frames,
    next,
    closed,
    send: (frame: unknown) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
  };
}

/** Attempts an upgrade and returns the HTTP status it was refused with (or 101). */
export function upgradeStatus(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => {
      if (!String(err.message).includes('Unexpected server response')) reject(err);
    });
  });
}
