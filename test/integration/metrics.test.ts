import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../server/server.ts';
import { publish, startTestServer, waitFor } from '../support/server.ts';
import { openWs, upgradeStatus } from '../support/ws.ts';

describe('metrics', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  const scrape = async () => {
    const res = await fetch(`${s.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    return res.text();
  };

  it('exposes connections, deliveries, closes by code, publish latency and event-loop delay', async () => {
    const c = await openWs(`${s.url.replace('http', 'ws')}/ws`);
    await c.next(1);
    await publish(s.url, 'counted');
    await c.next(2);
    const open = await scrape();
    assert.match(open, /^pushrace_connections\{transport="ws"\} 1$/m);
    assert.match(open, /^pushrace_deliveries_total\{transport="ws"\} 1$/m);
    assert.match(open, /^pushrace_publish_seconds_count 1$/m);
    assert.match(open, /^pushrace_event_loop_delay_seconds\{quantile="0.99"\} [\d.e-]+$/m);
    assert.match(open, /^pushrace_long_poll_held 0$/m);
    c.ws.close(1000);
    await waitFor(() => s.stats.transports.ws.connections === 0, 20_000, 'closed');
    const closed = await scrape();
    assert.match(closed, /^pushrace_closes_total\{transport="ws",code="1000"\} 1$/m);
    assert.match(closed, /^pushrace_connections\{transport="ws"\} 0$/m);
  });

  it('counts violations and never exposes message bodies', async () => {
    assert.equal(
      (await upgradeStatus(`${s.url.replace('http', 'ws')}/ws`, { Origin: 'https://evil.example' })).status,
      403,
    );
    await publish(s.url, 'secret-body-text');
    const text = await scrape();
    assert.doesNotMatch(text, /secret-body-text/);
    assert.match(text, /^pushrace_violations_total\{kind="forbidden_origin"\} 1$/m);
  });
});
