import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../server/server.ts';
import { publishMany, startTestServer, waitFor } from '../support/server.ts';
import { stuckClient, stuckReaders } from '../support/stuck-readers.ts';

const BOUND = 256 * 1024;
const BODY = 'x'.repeat(2000);

describe('backpressure', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({ historySize: 1000, sendBufferBytes: BOUND, slowConsumerMs: 500, publishRate: 0 });
  });
  after(() => s.close());

  it('pauses and then closes readers that stop reading; others get every message', async () => {
    // 10 MB in all: more than twice what loopback's kernel buffers take for a reader that does
    // not read (a send buffer of at most 4 MB, tcp_wmem, and the receive buffer it started
    // with), so the stuck readers' queues fill.
    const run = await stuckReaders(s, 2000, 'x'.repeat(5000));
    assert.equal(run.received, 2000, 'the fast client got every message');
    assert.match(run.metrics, /pushrace_slow_consumer_total\{transport="ws",reason="closed"\} 1/);
    assert.match(run.metrics, /pushrace_slow_consumer_total\{transport="sse",reason="closed"\} 1/);
  });

  it('a slow reader that drains is resumed from the feed with every message, in order', async () => {
    const port = Number(new URL(s.url).port);
    const from = s.feed.head;
    const slow = await stuckClient(port, `GET /api/sse?after=${from} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await publishMany(s.feed, 400, BODY);
    // Over the bound: paused. Now read everything and check the ids are contiguous.
    let text = '';
    slow.socket.setEncoding('utf8');
    slow.socket.on('data', (c: string) => {
      text += c;
    });
    slow.socket.resume();
    const ids = () => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    await waitFor(() => ids().includes(from + 400), 20_000, 'all 400 events');
    const seqs = ids().filter((id) => id > from);
    assert.deepEqual(
      seqs,
      Array.from({ length: 400 }, (_, i) => from + 1 + i),
    );
    assert.doesNotMatch(text, /event: reset/);
    slow.socket.destroy();
  });
});
