import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StatsResponse } from '../../protocol/wire.ts';
import { loadConfig } from '../../server/config.ts';
import { MemoryFeed } from '../../server/feed/memory-feed.ts';
import { type RunningServer, startServer } from '../../server/server.ts';
import { startTestServer } from '../support/server.ts';

interface Case {
  name: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  status: number;
  code: string;
}

const json = { 'content-type': 'application/json' };

/** Every kind of bad input the HTTP routes refuse: status, stable code, nothing stored. */
const BAD: Case[] = [
  { name: 'negative cursor', path: '/api/poll?after=-1', status: 400, code: 'BAD_CURSOR' },
  { name: 'fractional cursor', path: '/api/poll?after=1.5', status: 400, code: 'BAD_CURSOR' },
  { name: 'text cursor', path: '/api/long-poll?after=abc', status: 400, code: 'BAD_CURSOR' },
  { name: 'repeated cursor', path: '/api/poll?after=1&after=2', status: 400, code: 'BAD_CURSOR' },
  { name: 'huge cursor', path: '/api/sse?after=99999999999999999999', status: 400, code: 'BAD_CURSOR' },
  { name: 'bad epoch', path: '/api/poll?after=0&epoch=%3Cscript%3E', status: 400, code: 'BAD_EPOCH' },
  { name: 'limit 0', path: '/api/poll?after=0&limit=0', status: 400, code: 'BAD_LIMIT' },
  { name: 'timeout too long', path: '/api/long-poll?timeout=60001', status: 400, code: 'BAD_TIMEOUT' },
  { name: 'negative timeout', path: '/api/long-poll?timeout=-1', status: 400, code: 'BAD_TIMEOUT' },
  {
    name: 'not JSON content type',
    method: 'POST',
    path: '/api/messages',
    headers: { 'content-type': 'text/plain' },
    body: '{"body":"x"}',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'form post',
    method: 'POST',
    path: '/api/messages',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'body=x',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'broken JSON',
    method: 'POST',
    path: '/api/messages',
    headers: json,
    body: '{"body":',
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    name: 'JSON not an object',
    method: 'POST',
    path: '/api/messages',
    headers: json,
    body: '"hi"',
    status: 400,
    code: 'INVALID_MESSAGE',
  },
  {
    name: 'no body field',
    method: 'POST',
    path: '/api/messages',
    headers: json,
    body: '{}',
    status: 400,
    code: 'INVALID_MESSAGE',
  },
  {
    name: 'empty chat',
    method: 'POST',
    path: '/api/messages',
    headers: json,
    body: '{"body":""}',
    status: 400,
    code: 'INVALID_MESSAGE',
  },
  {
    name: 'chat body not a string',
    method: 'POST',
    path: '/api/messages',
    headers: json,
    body: '{"body":{"a":1}}',
    status: 400,
    code: 'INVALID_MESSAGE',
  },
  {
    name: 'server-only source',
    method: 'POST',
    path: '/api/messages',
    headers: json,
    body: '{"body":"x","source":"ticker"}',
    status: 400,
    code: 'INVALID_MESSAGE',
  },
  {
    name: 'unknown field',
    method: 'POST',
    path: '/api/messages',
    headers: json,
    body: '{"body":"x","seq":5}',
    status: 400,
    code: 'INVALID_MESSAGE',
  },
  {
    name: 'id with spaces',
    method: 'POST',
    path: '/api/messages',
    headers: json,
    body: '{"body":"x","id":"a b"}',
    status: 400,
    code: 'INVALID_MESSAGE',
  },
  {
    name: 'body over the limit',
    method: 'POST',
    path: '/api/messages',
    headers: json,
    body: JSON.stringify({ body: 'x'.repeat(20_000) }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'message over the limit',
    method: 'POST',
    path: '/api/messages',
    headers: json,
    body: JSON.stringify({ body: 'x'.repeat(9000) }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'foreign origin',
    method: 'POST',
    path: '/api/messages',
    headers: { ...json, Origin: 'https://evil.example' },
    body: '{"body":"x"}',
    status: 403,
    code: 'FORBIDDEN_ORIGIN',
  },
  {
    name: 'JSON nested 1 750 levels deep',
    method: 'POST',
    path: '/api/messages',
    headers: json,
    body: `{"source":"bench","body":${'['.repeat(1750)}${']'.repeat(1750)}}`,
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    name: 'a body that is not UTF-8',
    method: 'POST',
    path: '/api/messages',
    headers: json,
    body: new Uint8Array([0x7b, 0x22, 0x62, 0x6f, 0x64, 0x79, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    status: 400,
    code: 'INVALID_JSON',
  },
  { name: 'unknown route', path: '/api/nothing', status: 404, code: 'NOT_FOUND' },
  { name: 'a source map', path: '/assets/index.js.map', status: 404, code: 'NOT_FOUND' },
  { name: 'wrong method', method: 'DELETE', path: '/api/poll', status: 405, code: 'METHOD_NOT_ALLOWED' },
  { name: 'GET on publish', path: '/api/messages', status: 405, code: 'METHOD_NOT_ALLOWED' },
];

describe('app', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  describe('bad input', () => {
    for (const c of BAD) {
      it(`${c.name} → ${c.status} ${c.code}, nothing stored`, async () => {
        const head = s.feed.head;
        const res = await fetch(`${s.url}${c.path}`, { method: c.method ?? 'GET', headers: c.headers, body: c.body });
        assert.equal(res.status, c.status);
        assert.match(String(res.headers.get('content-type')), /^application\/json/);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        const body = (await res.json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, c.code);
        assert.ok(body.error.message.length > 0);
        assert.equal(s.feed.head, head);
      });
    }
  });

  describe('POST /api/messages', () => {
    it('stores a chat message: 201 with its seq', async () => {
      const res = await fetch(`${s.url}/api/messages`, { method: 'POST', headers: json, body: '{"body":"hello"}' });
      assert.equal(res.status, 201);
      assert.deepEqual(await res.json(), { seq: s.feed.head });
    });

    it('stores the same id once', async () => {
      const send = () =>
        fetch(`${s.url}/api/messages`, { method: 'POST', headers: json, body: '{"body":"once","id":"client-1"}' });
      const a = await send();
      const b = await send();
      assert.equal(a.status, 201);
      assert.equal(b.status, 200);
      const first = (await a.json()) as { seq: number };
      assert.deepEqual(await b.json(), { seq: first.seq, duplicate: true });
    });

    it('stores a bench body exactly as sent, an own "__proto__" member included', async () => {
      const res = await fetch(`${s.url}/api/messages`, {
        method: 'POST',
        headers: json,
        body: '{"source":"bench","body":{"__proto__":{"x":1},"y":2}}',
      });
      assert.equal(res.status, 201);
      const { seq } = (await res.json()) as { seq: number };
      const text = await (await fetch(`${s.url}/api/poll?after=${seq - 1}`)).text();
      assert.ok(text.includes('"body":{"__proto__":{"x":1},"y":2}'), text);
    });

    it('accepts bench messages with a JSON body, and a localhost Origin', async () => {
      const res = await fetch(`${s.url}/api/messages`, {
        method: 'POST',
        headers: { ...json, Origin: 'http://localhost:5173' },
        body: JSON.stringify({ source: 'bench', body: { n: 1, sentAt: 12.5 } }),
      });
      assert.equal(res.status, 201);
    });

    it('limits publishes per IP: 429 with Retry-After', async () => {
      // One a second: the verdict holds unless three requests take a second (a slow feed, a busy machine).
      const limited = await startTestServer({ publishRate: 1 });
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${limited.url}/api/messages`, {
          method: 'POST',
          headers: json,
          body: `{"body":"m${i}"}`,
        });
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
        await res.arrayBuffer();
      }
      await limited.close();
      assert.deepEqual(statuses, [201, 429, 429]);
      assert.ok(Number(retryAfter) >= 1);
    });
  });

  describe('GET /api/stats', () => {
    it('has the contract shape for all five transports', async () => {
      const res = await fetch(`${s.url}/api/stats`);
      const stats = (await res.json()) as StatsResponse;
      assert.equal(stats.epoch, s.feed.epoch);
      assert.equal(stats.head, s.feed.head);
      assert.deepEqual(Object.keys(stats.transports).sort(), ['long-poll', 'poll', 'socketio', 'sse', 'ws']);
      for (const t of Object.values(stats.transports)) {
        for (const k of ['connections', 'held', 'requests', 'emptyResponses', 'timeouts', 'delivered'] as const)
          assert.equal(typeof t[k], 'number');
        assert.deepEqual(Object.keys(t.bytesIn).sort(), ['header', 'payload']);
        assert.deepEqual(Object.keys(t.bytesOut).sort(), ['header', 'payload']);
      }
    });
  });

  describe('GET /healthz', () => {
    it('is 200 when ready', async () => {
      const res = await fetch(`${s.url}/healthz`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { ok: boolean }).ok, true);
    });
  });
});

describe('app: a failure inside the server', () => {
  it('answers 500 INTERNAL in the JSON shape and logs the error, not the request', async () => {
    // A feed whose reads fail: a bug, or a backing store that went away.
    const feed = new MemoryFeed({ historySize: 10 });
    feed.read = () => Promise.reject(new Error('the store is gone'));
    const s = await startServer(loadConfig({}, [], { port: 0, sources: [], logLevel: 'silent' }), { feed });
    const logged: Array<Record<string, unknown>> = [];
    Object.assign(s.observer.log, { error: (o: Record<string, unknown>) => logged.push(o) });
    try {
      const res = await fetch(`${s.url}/api/poll?after=0&token=secret-in-the-query`);
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { error: { code: 'INTERNAL', message: 'internal error' } });
      const [line] = logged;
      assert.equal(logged.length, 1);
      assert.equal(line?.event, 'request-failed');
      assert.ok(line?.err instanceof Error && /the store is gone/.test(line.err.message), String(line?.err));
      assert.ok(!JSON.stringify(logged).includes('secret-in-the-query'), 'no query string in the log');
    } finally {
      await s.close();
    }
  });
});
