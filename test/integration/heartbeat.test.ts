import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { RunningServer } from '../../server/server.ts';
import { startTestServer, waitFor } from '../support/server.ts';
import { openSse } from '../support/sse.ts';

const INTERVAL = 100;
const wsUrl = (s: RunningServer) => `${s.url.replace('http', 'ws')}/ws`;

describe('heartbeat', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({ wsHeartbeatMs: INTERVAL });
  });
  after(() => s.close());

  it('terminates a peer that never answers pings at the tick after its first ping, and the gauge drops', async () => {
    const mute = new WebSocket(wsUrl(s), { autoPong: false, perMessageDeflate: false });
    let pings = 0;
    mute.on('ping', () => pings++);
    await new Promise<void>((resolve, reject) => {
      mute.once('open', () => resolve());
      mute.once('error', reject);
    });
    await waitFor(() => s.stats.transports.ws.connections === 1, 20_000, 'ws counted');
    const { code } = await new Promise<{ code: number }>((resolve) => mute.once('close', (c) => resolve({ code: c })));
    await waitFor(() => s.stats.transports.ws.connections === 0 && s.feed.subscribers === 0, 20_000, 'gauge at 0');
    assert.equal(code, 1006, 'terminated, not closed politely');
    // One tick pings it, the next finds it silent and terminates it: gone within two
    // intervals, counted in ticks rather than in (load-dependent) milliseconds.
    assert.equal(pings, 1);
  });

  it('keeps a peer that answers pings', async () => {
    const ws = new WebSocket(wsUrl(s), { perMessageDeflate: false });
    let pings = 0;
    ws.on('ping', () => pings++);
    await new Promise<void>((resolve) => ws.once('open', () => resolve()));
    await waitFor(() => pings >= 5, 20_000, 'five pings');
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.close();
    await waitFor(() => s.stats.transports.ws.connections === 0, 20_000, 'closed');
  });

  it('marks polling and streaming answers no-store and unbuffered', async () => {
    for (const path of ['/api/poll?after=0', '/api/long-poll?timeout=0']) {
      const res = await fetch(`${s.url}${path}`);
      await res.arrayBuffer();
      assert.equal(res.headers.get('cache-control'), 'no-store', path);
      assert.equal(res.headers.get('x-accel-buffering'), 'no', path);
    }
    const sse = await openSse(`${s.url}/api/sse`);
    assert.equal(sse.res.headers['cache-control'], 'no-store');
    assert.equal(sse.res.headers['x-accel-buffering'], 'no');
    sse.close();
  });
});
