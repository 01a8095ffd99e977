import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { type ClientOptions, createTransport, type FeedMessage } from '../../client/lib/index.ts';
import type { ReadResponse, Source, StatsResponse, TransportName } from '../../protocol/wire.ts';
import type { RunningServer } from '../../server/server.ts';
import { rawExchange, upgradeHead } from '../support/raw.ts';
import { startTestServer, waitFor } from '../support/server.ts';
import { openWs } from '../support/ws.ts';

const TRANSPORTS: readonly TransportName[] = ['poll', 'long-poll', 'sse', 'ws'];

/** Publishes one message of each of the three channels, `n` times over. */
async function mixed(s: RunningServer, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    for (const source of ['ticker', 'log', 'chat'] as const satisfies readonly Source[]) {
      await s.feed.publish({ source, body: `${tag} ${source} ${i}` });
    }
  }
}

/** Runs a client until `until` holds; returns what it received and where it stood. */
async function receive(
  s: RunningServer,
  name: TransportName,
  opts: Partial<ClientOptions>,
  from: { after?: number; epoch?: string },
  until: (got: FeedMessage[]) => boolean,
) {
  const got: FeedMessage[] = [];
  const resets: unknown[] = [];
  const t = createTransport(name, { baseUrl: s.url, WebSocket, EventSource, pollIntervalMs: 30, ...opts });
  t.start(from, { messages: (b) => got.push(...b), reset: (r) => resets.push(r), error() {} });
  await waitFor(() => until(got), 10_000, `${name} received`);
  t.stop();
  return { got, resets, position: t.position };
}

describe('channels (source filters)', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({ publishRate: 0 });
  });
  after(() => s.close());

  for (const name of TRANSPORTS) {
    for (const [label, opts] of [
      ['sources=chat', { sources: ['chat'] }],
      ['channel chat', { channel: 'chat' }],
    ] as const) {
      it(`${name} with ${label} delivers exactly the channel's messages, and resumes past the others`, async () => {
        const start = s.feed.head;
        await mixed(s, 5, `${name}-${label}-a`);
        const first = await receive(s, name, opts, { after: start, epoch: s.feed.epoch }, (g) => g.length >= 5);
        assert.deepEqual(
          first.got.map((m) => m.body),
          [0, 1, 2, 3, 4].map((i) => `${name}-${label}-a chat ${i}`),
        );
        assert.ok(first.got.every((m) => m.source === 'chat'));
        await mixed(s, 3, `${name}-${label}-b`);
        const second = await receive(s, name, opts, first.position, (g) => g.length >= 3);
        assert.deepEqual(
          second.got.map((m) => m.body),
          [0, 1, 2].map((i) => `${name}-${label}-b chat ${i}`),
        );
        assert.deepEqual([...first.resets, ...second.resets], []);
      });
    }
  }

  it('refuses a bad sources list on every transport, and sources on a channel’s own path', async () => {
    for (const path of ['/api/poll', '/api/long-poll', '/api/sse']) {
      for (const bad of ['sources=nope', 'sources=chat,chat', 'sources=']) {
        const res = await fetch(`${s.url}${path}?after=0&${bad}`);
        assert.equal(res.status, 400, `${path}?${bad}`);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'BAD_SOURCES');
      }
    }
    const port = Number(new URL(s.url).port);
    for (const path of ['/ws?sources=nope', '/ws/chat?sources=log']) {
      const answer = (await rawExchange(port, upgradeHead(path))).toString('latin1');
      assert.match(answer, /^HTTP\/1\.1 400 /, path);
      assert.match(answer, /"code":"BAD_SOURCES"/);
    }
  });

  it('refuses an upgrade to an unknown channel path with 404 before any upgrade', async () => {
    const answer = (await rawExchange(Number(new URL(s.url).port), upgradeHead('/ws/bench'))).toString('latin1');
    assert.match(answer, /^HTTP\/1\.1 404 /);
    assert.doesNotMatch(answer, /101 Switching Protocols/);
  });

  it('answers a filtered long-poll that times out after others moved its cursor with that cursor', async () => {
    const start = s.feed.head;
    const pending = fetch(`${s.url}/api/long-poll?after=${start}&epoch=${s.feed.epoch}&timeout=1000&sources=chat`);
    await waitFor(() => s.stats.transports['long-poll'].held === 1, 10_000, 'held');
    await s.feed.publish({ source: 'ticker', body: 'not for it' });
    const res = await pending;
    assert.equal(res.status, 200);
    const body = (await res.json()) as ReadResponse;
    assert.deepEqual(body.messages, []);
    assert.equal(body.cursor, start + 1);
  });

  it('counts the bytes of each WebSocket endpoint apart, and the transport as their sum', async () => {
    await s.close();
    s = await startTestServer({ publishRate: 0 });
    const all = await openWs(`${s.url.replace('http', 'ws')}/ws`);
    const chat = await openWs(`${s.url.replace('http', 'ws')}/ws/chat`);
    await Promise.all([all.next(1), chat.next(1)]);
    await s.feed.publish({ source: 'chat', body: 'to both' });
    await s.feed.publish({ source: 'log', body: 'to /ws only' });
    await Promise.all([all.next(3), chat.next(2)]);
    const stats = (await (await fetch(`${s.url}/api/stats`)).json()) as StatsResponse;
    const root = stats.endpoints['/ws'];
    const channel = stats.endpoints['/ws/chat'];
    assert.ok(root && channel);
    assert.equal(root.transport, 'ws');
    assert.equal(channel.requests, 1);
    assert.ok(channel.bytesOut.payload > 0 && channel.bytesOut.payload < root.bytesOut.payload);
    const ws = stats.transports.ws;
    assert.equal(
      ws.requests,
      Object.values(stats.endpoints)
        .filter((e) => e.transport === 'ws')
        .reduce((n, e) => n + e.requests, 0),
    );
    assert.equal(ws.bytesOut.payload, root.bytesOut.payload + channel.bytesOut.payload);
    all.ws.close();
    chat.ws.close();
  });
});
