import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../server/server.ts';
import { clientFrame, closeCodeOf, openSockets, rawExchange, upgradeHead } from '../support/raw.ts';
import { startTestServer, waitFor } from '../support/server.ts';
import { openWs, upgradeStatus } from '../support/ws.ts';

const portOf = (s: RunningServer) => Number(new URL(s.url).port);
const wsUrl = (s: RunningServer, q = '') => `${s.url.replace('http', 'ws')}/ws${q}`;
const statusOf = (b: Buffer) => Number(/^HTTP\/1\.1 (\d{3})/.exec(b.toString('latin1'))?.[1]);

describe('limits', () => {
  let s: RunningServer;
  before(async () => {
    // One publish a second: the flood below is rate-limited however long each stored publish
    // takes (frames are handled in order, and a slow store refills a faster bucket meanwhile).
    s = await startTestServer({ publishRate: 1, wsMaxRateStrikes: 5, maxConnectionsPerIp: 1100 });
  });
  after(() => s.close());

  it('refuses 2 000 headers on an upgrade with 431, and keeps serving', async () => {
    const many = Array.from({ length: 2000 }, () => 'a: 1');
    const answer = await rawExchange(portOf(s), upgradeHead('/ws', many));
    assert.equal(statusOf(answer), 431);
    assert.match(answer.toString(), /HEADERS_TOO_LARGE/);
    const long = Array.from({ length: 2000 }, (_, i) => `x-header-${i}: value-${i}`);
    assert.equal(statusOf(await rawExchange(portOf(s), upgradeHead('/ws', long))), 431);
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
  });

  it('closes with 1002 on a frame with RSV1 set (no extension negotiated)', async () => {
    const bytes = await rawExchange(
      portOf(s),
      Buffer.concat([Buffer.from(upgradeHead('/ws')), clientFrame(0x80 | 0x40 | 0x1, Buffer.from('{}'))]),
    );
    assert.equal(statusOf(bytes), 101);
    assert.equal(closeCodeOf(bytes), 1002);
  });

  it('closes with 1008 on a message in more fragments than maxFragments', async () => {
    const frames = [clientFrame(0x1, Buffer.from('"'))];
    for (let i = 0; i < 100; i++) frames.push(clientFrame(0x0, Buffer.from('a')));
    const bytes = await rawExchange(portOf(s), Buffer.concat([Buffer.from(upgradeHead('/ws')), ...frames]));
    assert.equal(closeCodeOf(bytes), 1008, 'ws: WS_ERR_TOO_MANY_BUFFERED_PARTS');
  });

  it('closes a WebSocket that keeps publishing over its rate limit with 1008', async () => {
    const c = await openWs(wsUrl(s));
    await c.next(1);
    for (let i = 0; i < 200; i++) c.send({ type: 'publish', body: `flood ${i}` });
    const { code } = await c.closed;
    assert.equal(code, 1008);
    assert.ok(c.frames.some((f) => f.type === 'error' && f.code === 'RATE_LIMITED'));
  });

  it('caps connections per IP: 503 JSON for HTTP, 503 before the upgrade for WS', async () => {
    const other = await startTestServer({ maxConnectionsPerIp: 3 });
    try {
      const held = await openSockets(portOf(other), 3, '');
      await waitFor(() => other.connections.open === 3, 20_000, 'three counted');
      const http = await rawExchange(portOf(other), 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.equal(statusOf(http), 503);
      assert.match(http.toString(), /TOO_MANY_CONNECTIONS/);
      const ws = await upgradeStatus(wsUrl(other));
      assert.equal(ws.status, 503);
      for (const h of held) h.destroy();
      await waitFor(() => other.connections.open === 0, 20_000, 'released');
      assert.equal((await fetch(`${other.url}/healthz`)).status, 200);
    } finally {
      await other.close();
    }
  });

  it('caps connections globally', async () => {
    const other = await startTestServer({ maxConnections: 2 });
    try {
      const held = await openSockets(portOf(other), 2, '');
      await waitFor(() => other.connections.open === 2, 20_000, 'two counted');
      assert.equal(statusOf(await rawExchange(portOf(other), 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')), 503);
      for (const h of held) h.destroy();
    } finally {
      await other.close();
    }
  });
});
