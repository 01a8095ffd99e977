import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { io } from 'socket.io-client';
import {
  type ClientOptions,
  createSocketioTransport,
  type FeedMessage,
  type ResetInfo,
} from '../../client/lib/index.ts';
import type { StatsResponse } from '../../protocol/wire.ts';
import type { RunningServer } from '../../server/server.ts';
import type { SioAck } from '../../server/transports/socketio/publish.ts';
import { rawExchange, upgradeHead } from '../support/raw.ts';
import { publishMany, startTestServer, waitFor } from '../support/server.ts';

const VIAS = ['websocket', 'polling'] as const;

/** A socketio client from `from`, collecting what it is handed. */
function reader(s: RunningServer, from: { after?: number; epoch?: string }, opts: Partial<ClientOptions> = {}) {
  const got: FeedMessage[] = [];
  const resets: ResetInfo[] = [];
  const states: string[] = [];
  const t = createSocketioTransport({ baseUrl: s.url, backoff: { initialMs: 20, maxMs: 100 }, ...opts });
  t.start(from, {
    messages: (b) => got.push(...b),
    reset: (r) => resets.push(r),
    error: (e) => process.env.SIO_DEBUG && console.log(e.message),
    state: (st) => {
      states.push(st);
      if (process.env.SIO_DEBUG) console.log(Date.now() % 100000, st);
    },
  });
  return { got, resets, states, t };
}

/** Every TCP socket the server accepts from now on (from its start), to cut them server-side. */
function trackSockets(s: RunningServer): Set<Socket> {
  const sockets = new Set<Socket>();
  s.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

const stats = async (s: RunningServer) => (await (await fetch(`${s.url}/api/stats`)).json()) as StatsResponse;

describe('socket.io transport', () => {
  let s: RunningServer;
  let sockets: Set<Socket>;
  before(async () => {
    s = await startTestServer({ publishRate: 0 });
    sockets = trackSockets(s);
  });
  after(() => s.close());

  for (const via of VIAS) {
    describe(`over ${via}`, () => {
      it('replays from the handshake cursor, in order, then goes on live', async () => {
        const start = s.feed.head;
        await publishMany(s.feed, 5, 'old');
        const r = reader(s, { after: start, epoch: s.feed.epoch }, { socketioTransport: via });
        await waitFor(() => r.got.length >= 5, 10_000, 'the replay');
        await publishMany(s.feed, 3, 'new');
        await waitFor(() => r.got.length >= 8, 10_000, 'the live ones');
        r.t.stop();
        assert.deepEqual(
          r.got.map((m) => m.seq),
          Array.from({ length: 8 }, (_, i) => start + i + 1),
        );
        assert.deepEqual(r.resets, []);
      });

      it('says reset on a foreign epoch and restarts from the oldest retained message', async () => {
        const r = reader(s, { after: 3, epoch: 'another' }, { socketioTransport: via });
        await waitFor(() => r.resets.length === 1 && r.got.length >= s.feed.head, 10_000, 'the reset and history');
        r.t.stop();
        assert.equal(r.resets[0]?.epoch, s.feed.epoch);
        assert.equal(r.resets[0]?.cursor, 0);
        assert.equal(r.got[0]?.seq, 1);
      });

      it('receives every message exactly once, in order, across connections cut server-side', async () => {
        const start = s.feed.head;
        const r = reader(s, { after: start, epoch: s.feed.epoch }, { socketioTransport: via });
        // 60 in batches of 10, and 5 more while each of the two cuts is being noticed.
        const total = 70;
        const opens = () => r.states.filter((st) => st === 'open').length;
        for (let i = 0; i < 60; i += 10) {
          await publishMany(s.feed, 10, `m${i}`);
          if (i === 20 || i === 40) {
            // Kill the engine.io connection under it: every TCP socket of the server (a polling
            // client's requests may go out on any of its keep-alive sockets), until the client
            // notices (a polling session outlives a cut made between two of its requests).
            await waitFor(() => r.states.at(-1) === 'open' && sockets.size > 0, 5_000, 'an open connection');
            const before = opens();
            await waitFor(
              () => {
                for (const socket of sockets) socket.destroy();
                return r.states.at(-1) !== 'open';
              },
              5_000,
              'the cut noticed',
            );
            await publishMany(s.feed, 5, 'during the cut');
            await waitFor(() => opens() > before, 10_000, 'back');
          }
        }
        await waitFor(() => r.got.length >= total, 15_000, `all ${total}`);
        await new Promise((resolve) => setTimeout(resolve, 100)); // a duplicate would come now
        r.t.stop();
        // It did lose its connection both times, and came back with its cursor.
        assert.ok(r.states.filter((st) => st === 'reconnecting').length >= 2, r.states.join(' '));
        assert.deepEqual(
          r.got.map((m) => m.seq),
          Array.from({ length: total }, (_, i) => start + i + 1),
        );
        assert.deepEqual(r.resets, []);
      });
    });
  }

  it('delivers only the chosen channel, with the global cursor', async () => {
    const start = s.feed.head;
    const r = reader(s, { after: start, epoch: s.feed.epoch }, { sources: ['chat'] });
    await publishMany(s.feed, 3, 'bench');
    await s.feed.publish({ source: 'chat', body: 'for chat' });
    await waitFor(() => r.got.length >= 1, 10_000, 'the chat message');
    r.t.stop();
    assert.deepEqual(
      r.got.map((m) => [m.seq, m.source]),
      [[start + 4, 'chat']],
    );
  });

  it('refuses a bad cursor in the handshake with its stable code', async () => {
    const socket = io(s.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { after: '1e3' },
    });
    const code = await new Promise<unknown>((resolve) =>
      socket.on('connect_error', (err: Error & { data?: { code?: unknown } }) => resolve(err.data?.code)),
    );
    socket.close();
    assert.equal(code, 'BAD_CURSOR');
  });

  it('acknowledges a publish event with the stored seq (socket.io acks)', async () => {
    const socket = io(s.url, { transports: ['websocket'], reconnection: false, forceNew: true });
    const ack = (await socket.timeout(5_000).emitWithAck('publish', { body: 'hello', id: 'sio-1' })) as SioAck;
    const again = (await socket.timeout(5_000).emitWithAck('publish', { body: 'hello', id: 'sio-1' })) as SioAck;
    const bad = (await socket.timeout(5_000).emitWithAck('publish', { body: '' })) as SioAck;
    socket.close();
    assert.deepEqual(ack, { ok: true, seq: s.feed.head });
    assert.deepEqual(again, { ok: true, seq: s.feed.head, duplicate: true });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error.code, 'INVALID_MESSAGE');
  });

  it('is counted under socketio: its polling POSTs too, none of it under other', async () => {
    await s.close();
    s = await startTestServer({ publishRate: 0 });
    const before = await stats(s);
    const r = reader(s, {}, { socketioTransport: 'polling' });
    await waitFor(() => s.stats.transports.socketio.connections > 0, 10_000, 'connected');
    await publishMany(s.feed, 2, 'x');
    await waitFor(() => r.got.length >= 2, 10_000, 'delivered');
    r.t.stop();
    const after = await stats(s);
    const sio = after.endpoints['/socket.io/'];
    assert.ok(sio);
    assert.equal(sio.transport, 'socketio');
    // The handshake GET, the CONNECT POST, at least one GET per delivery.
    assert.ok(sio.requests >= 3, `requests ${sio.requests}`);
    assert.ok(sio.bytesIn.header > 0);
    assert.equal(after.transports.socketio.delivered, 2);
    // Only the stats request of `before` is under other.
    assert.equal(after.other.requests - before.other.requests, 1);
  });
});

describe('socket.io access', () => {
  let s: RunningServer;
  const token = 'a-publish-token-of-some-length';
  before(async () => {
    s = await startTestServer({ publishToken: token });
  });
  after(() => s.close());

  const port = () => Number(new URL(s.url).port);

  it('answers an unknown Host with 421 before engine.io, on polling and on the upgrade', async () => {
    const poll = await rawExchange(
      port(),
      'GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
    );
    assert.match(poll.toString('latin1'), /^HTTP\/1\.1 421 .*UNKNOWN_HOST/s);
    const up = await rawExchange(
      port(),
      upgradeHead('/socket.io/?EIO=4&transport=websocket').replace('Host: 127.0.0.1', 'Host: evil.example'),
    );
    assert.match(up.toString('latin1'), /^HTTP\/1\.1 421 .*UNKNOWN_HOST/s);
  });

  it('refuses a foreign Origin with 403 FORBIDDEN_ORIGIN, on polling and on the upgrade', async () => {
    const res = await fetch(`${s.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { Origin: 'https://evil.example' },
    });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'FORBIDDEN_ORIGIN');
    const up = await rawExchange(
      port(),
      upgradeHead('/socket.io/?EIO=4&transport=websocket', ['Origin: https://evil.example']),
    );
    assert.match(up.toString('latin1'), /^HTTP\/1\.1 403 .*FORBIDDEN_ORIGIN/s);
  });

  it('answers a dashboard tab on another loopback name of this server with CORS, as the read routes', async () => {
    const origin = `http://tab-abc123.localhost:${port()}`;
    const res = await fetch(`${s.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: origin } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
    assert.match(await res.text(), /^0\{"sid":/);
  });

  it('refuses a wrong token; without one it reads but may not publish; with it, it publishes', async () => {
    const wrong = io(s.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: 'nope' },
    });
    const code = await new Promise<unknown>((resolve) =>
      wrong.on('connect_error', (err: Error & { data?: { code?: unknown } }) => resolve(err.data?.code)),
    );
    wrong.close();
    assert.equal(code, 'UNAUTHORIZED');

    const reader = io(s.url, { transports: ['polling'], reconnection: false, forceNew: true });
    const refused = (await reader.timeout(5_000).emitWithAck('publish', { body: 'hi' })) as SioAck;
    reader.close();
    assert.equal(!refused.ok && refused.error.code, 'UNAUTHORIZED');

    const writer = io(s.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
    const ack = (await writer.timeout(5_000).emitWithAck('publish', { body: 'hi' })) as SioAck;
    writer.close();
    assert.deepEqual(ack, { ok: true, seq: s.feed.head });
  });

  it('counts socket.io connections against MAX_CONNECTIONS_PER_IP like any other', async () => {
    await s.close();
    s = await startTestServer({ maxConnectionsPerIp: 1 });
    const held = io(s.url, { transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((resolve) => held.on('connect', () => resolve()));
    const res = await rawExchange(
      port(),
      'GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    );
    held.close();
    assert.match(res.toString('latin1'), /^HTTP\/1\.1 503 .*TOO_MANY_CONNECTIONS/s);
  });
});
