import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { createTransport, type RequestRecord } from '../../client/lib/index.ts';
import type { RunningServer } from '../../server/server.ts';
import { rawExchange, upgradeHead } from '../support/raw.ts';
import { startTestServer, waitFor } from '../support/server.ts';
import { openSse } from '../support/sse.ts';
import { openWs } from '../support/ws.ts';

/**
 * Every answer names the instance that gave it, so that behind a load balancer a client (and a
 * class watching the dashboard) can see which of several servers on one feed served each
 * request: `X-Pushrace-Instance` on every HTTP answer, `instance` in /healthz and in the
 * WebSocket and SSE hello.
 */
describe('instance names', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({ instance: 'node-a' });
  });
  after(() => s.close());

  it('names the instance on every HTTP answer: routes, errors, refusals before Koa and raw refusals', async () => {
    for (const path of ['/healthz', '/api/poll?after=0', '/api/poll?after=-1', '/api/nothing', '/metrics']) {
      const res = await fetch(`${s.url}${path}`);
      await res.arrayBuffer();
      assert.equal(res.headers.get('x-pushrace-instance'), 'node-a', path);
    }
    const refused = await rawExchange(Number(new URL(s.url).port), upgradeHead('/nowhere'));
    assert.match(refused.toString('latin1'), /\r\nX-Pushrace-Instance: node-a\r\n/);
  });

  it('says it in /healthz, in the WebSocket hello and its 101, and in the SSE hello', async () => {
    const health = (await (await fetch(`${s.url}/healthz`)).json()) as { instance: string };
    assert.equal(health.instance, 'node-a');
    const ws = await openWs(`${s.url.replace('http', 'ws')}/ws`);
    const [hello] = await ws.next(1);
    assert.equal(hello?.type === 'hello' ? hello.instance : undefined, 'node-a');
    ws.ws.close();
    const sse = await openSse(`${s.url}/api/sse`);
    const [first] = await sse.next(1);
    assert.equal(sse.res.headers['x-pushrace-instance'], 'node-a');
    assert.equal((JSON.parse(first?.data ?? '{}') as { instance?: string }).instance, 'node-a');
    sse.close();
  });

  it('reaches the client library’s request records, for every transport', async () => {
    await s.feed.publish({ source: 'chat', body: 'something to answer with' });
    for (const name of ['poll', 'long-poll', 'sse', 'ws'] as const) {
      const records: RequestRecord[] = [];
      const t = createTransport(name, { baseUrl: s.url, WebSocket, EventSource, pollIntervalMs: 50 });
      t.start({ after: 0 }, { messages() {}, reset() {}, error() {}, request: (r) => records.push(r) });
      await waitFor(() => records.some((r) => r.instance !== undefined), 10_000, `${name} names the instance`);
      t.stop();
      assert.ok(
        records.filter((r) => r.instance !== undefined).every((r) => r.instance === 'node-a'),
        name,
      );
    }
  });

  it('picks a random name when none is configured', async () => {
    const unnamed = await startTestServer();
    try {
      assert.match(unnamed.config.instance, /^i-[0-9a-f]{4}$/);
    } finally {
      await unnamed.close();
    }
  });
});
