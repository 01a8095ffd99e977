import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../server/server.ts';
import { publishMany, startTestServer, waitFor } from '../support/server.ts';
import { stuckClient } from '../support/stuck-readers.ts';

const BOUND = 256 * 1024;
const BUDGET = 1024 * 1024;
/** Three times as many readers as the budget holds paused: most must be cut. */
const READERS = 3 * (BUDGET / BOUND);

describe('the send budget (all paused readers together)', () => {
  let s: RunningServer;
  before(async () => {
    // Readers are never cut for being slow alone here (60 s): only the budget cuts them.
    s = await startTestServer({
      historySize: 100,
      sendBufferBytes: BOUND,
      maxBufferedBytes: BUDGET,
      slowConsumerMs: 60_000,
      publishRate: 0,
    });
  });
  after(() => s.close());

  it('cuts the readers paused longest once they hold more than the budget together', async () => {
    const port = Number(new URL(s.url).port);
    const readers = [];
    for (let i = 0; i < READERS; i++) {
      readers.push(await stuckClient(port, 'GET /api/sse HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    }
    await waitFor(() => s.stats.transports.sse.connections === READERS, 20_000, `${READERS} readers`);
    // 10 MB each: more than loopback's kernel buffers take, so every reader's queue fills.
    const body = 'x'.repeat(5000);
    await publishMany(s.feed, 2000, body);
    // Each paused reader holds at least BOUND, so at most BUDGET / BOUND of them may stay.
    await waitFor(() => s.stats.transports.sse.connections <= BUDGET / BOUND, 30_000, 'the budget enforced');
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    const cut = Number(/pushrace_slow_consumer_total\{transport="sse",reason="closed"\} (\d+)/.exec(metrics)?.[1]);
    assert.ok(cut >= READERS - BUDGET / BOUND, `${cut} cut`);
    for (const r of readers) r.socket.destroy();
  });
});
