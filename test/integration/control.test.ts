import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FeedSettings } from '../../protocol/control.ts';
import type { ReadResponse, StatsResponse } from '../../protocol/wire.ts';
import type { RunningServer } from '../../server/server.ts';
import { startTestServer, waitFor } from '../support/server.ts';
import { openWs } from '../support/ws.ts';

const json = { 'content-type': 'application/json' };

describe('control routes', () => {
  let server: RunningServer;
  const get = async <T>(path: string) => (await (await fetch(server.url + path)).json()) as T;
  const send = (method: string, path: string, body: unknown, headers: Record<string, string> = json) =>
    fetch(server.url + path, { method, headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

  before(async () => {
    server = await startTestServer({ controlRate: 0 });
  });
  after(() => server.close());

  describe('PUT /api/settings', () => {
    const BAD: [string, unknown][] = [
      ['ticker interval too short', { tickerIntervalMs: 50 }],
      ['generators together over 50 a second', { sources: ['ticker', 'log'], tickerIntervalMs: 100, logRate: 45 }],
      ['ticker interval not an integer', { tickerIntervalMs: 100.5 }],
      ['negative log rate', { logRate: -1 }],
      ['log rate too high', { logRate: 51 }],
      ['unknown source', { sources: ['bench'] }],
      ['repeated source', { sources: ['log', 'log'] }],
      ['unknown field', { tickerIntervalMs: 1000, rate: 5 }],
      ['not an object', [1, 2]],
      ['a string number', { logRate: '5' }],
      ['unknown timing', { timing: 'jittery' }],
    ];
    for (const [name, body] of BAD) {
      it(`refuses ${name} with 400 INVALID_SETTINGS and changes nothing`, async () => {
        const before = await get<FeedSettings>('/api/settings');
        const res = await send('PUT', '/api/settings', body);
        assert.equal(res.status, 400);
        const answer = (await res.json()) as { error: { code: string; message: string } };
        assert.equal(answer.error.code, 'INVALID_SETTINGS');
        assert.ok(answer.error.message.length > 0);
        assert.deepEqual(await get<FeedSettings>('/api/settings'), before);
      });
    }

    it('refuses a foreign Origin with 403, and a non-JSON body with 415', async () => {
      const foreign = await send('PUT', '/api/settings', { logRate: 5 }, { ...json, origin: 'https://evil.example' });
      assert.equal(foreign.status, 403);
      assert.equal(((await foreign.json()) as { error: { code: string } }).error.code, 'FORBIDDEN_ORIGIN');
      const text = await send('PUT', '/api/settings', '{"logRate":5}', { 'content-type': 'text/plain' });
      assert.equal(text.status, 415);
      assert.deepEqual((await get<FeedSettings>('/api/settings')).sources, []);
    });

    it('applies good values and restarts the generators at the new rate', async () => {
      const head = server.feed.head;
      const res = await send('PUT', '/api/settings', { sources: ['ticker'], tickerIntervalMs: 100 });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { sources: ['ticker'], tickerIntervalMs: 100, logRate: 2, timing: 'random' });
      await waitFor(() => server.feed.head - head >= 3, 10_000, 'three ticks');
      await send('PUT', '/api/settings', { sources: [] });
      const stopped = server.feed.head;
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(server.feed.head, stopped);
    });
  });

  describe('rate limit', () => {
    it('refuses control requests past CONTROL_RATE a second per IP with 429 and Retry-After', async () => {
      const limited = await startTestServer({ controlRate: 2 });
      try {
        const statuses: number[] = [];
        let retryAfter: string | null = null;
        for (let i = 0; i < 4; i++) {
          const res = await fetch(`${limited.url}/api/stats/clear`, { method: 'POST' });
          statuses.push(res.status);
          if (res.status === 429) retryAfter = res.headers.get('retry-after');
        }
        assert.deepEqual(statuses.slice(0, 2), [200, 200]);
        assert.ok(statuses.includes(429), statuses.join());
        assert.ok(Number(retryAfter) >= 1);
      } finally {
        await limited.close();
      }
    });
  });

  describe('close()', () => {
    it('stops the generators that PUT /api/settings started on a server started with none', async () => {
      const quiet = await startTestServer();
      const put = await fetch(`${quiet.url}/api/settings`, {
        method: 'PUT',
        headers: json,
        body: JSON.stringify({ sources: ['ticker'], tickerIntervalMs: 100 }),
      });
      assert.equal(put.status, 200);
      const head = quiet.feed.head;
      await waitFor(() => quiet.feed.head > head, 10_000, 'the ticker runs');
      await quiet.close();
      const closedAt = quiet.feed.head;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(quiet.feed.head, closedAt, 'nothing published after close');
    });
  });

  describe('POST /api/burst', () => {
    it('publishes exactly K messages, in order, back to back', async () => {
      const head = server.feed.head;
      const res = await send('POST', '/api/burst', { count: 250 });
      assert.equal(res.status, 201);
      assert.deepEqual(await res.json(), { first: head + 1, last: head + 250, count: 250 });
      const read = await get<ReadResponse>(`/api/poll?after=${head}`);
      assert.deepEqual(
        read.messages.map((m) => m.seq),
        Array.from({ length: 250 }, (_, i) => head + 1 + i),
      );
      assert.deepEqual(
        read.messages.map((m) => m.body),
        Array.from({ length: 250 }, (_, i) => `burst ${i + 1}/250`),
      );
    });

    it('publishes in slices: other requests are answered while a burst is still going out', async () => {
      const readers = await Promise.all(
        Array.from({ length: 40 }, () => openWs(`${server.url.replace('http', 'ws')}/ws`)),
      );
      await Promise.all(readers.map((r) => r.next(1)));
      let burstDone = false;
      const burst = send('POST', '/api/burst', { count: 1000 }).then((r) => {
        burstDone = true;
        return r;
      });
      await waitFor(() => server.feed.head > 0 && !burstDone, 10_000, 'the burst started');
      const second = await send('POST', '/api/burst', { count: 5 });
      assert.equal(second.status, 429, 'one burst at a time');
      assert.equal(((await second.json()) as { error: { code: string } }).error.code, 'BURST_IN_PROGRESS');
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      assert.equal(burstDone, false, '/healthz was answered before the burst finished');
      assert.equal((await burst).status, 201);
      for (const r of readers) r.ws.close();
    });

    for (const body of [{ count: 0 }, { count: 1001 }, { count: 2.5 }, { count: '5' }, {}, { count: 5, x: 1 }]) {
      it(`refuses ${JSON.stringify(body)} with 400 INVALID_BURST and publishes nothing`, async () => {
        const head = server.feed.head;
        const res = await send('POST', '/api/burst', body);
        assert.equal(res.status, 400);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'INVALID_BURST');
        assert.equal(server.feed.head, head);
      });
    }
  });

  describe('POST /api/stats/clear', () => {
    it('zeroes the cumulative counters', async () => {
      await fetch(`${server.url}/api/poll?after=0`).then((r) => r.text());
      const before = await get<StatsResponse>('/api/stats');
      assert.ok(before.transports.poll.requests > 0);
      const res = await send('POST', '/api/stats/clear', '');
      assert.equal(res.status, 200);
      const cleared = (await res.json()) as StatsResponse;
      for (const t of Object.values(cleared.transports)) {
        assert.equal(t.requests, 0);
        assert.equal(t.delivered, 0);
        assert.deepEqual(t.bytesOut, { header: 0, payload: 0 });
      }
    });
  });
});
