import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../server/server.ts';
import { openSockets, rawExchange, upgradeHead } from '../support/raw.ts';
import { startTestServer, waitFor } from '../support/server.ts';

const TOKEN = 'front-door-token-0123456789';
const portOf = (s: RunningServer) => Number(new URL(s.url).port);
const statusOf = (b: Buffer) => Number(/^HTTP\/1\.1 (\d{3})/.exec(b.toString('latin1'))?.[1]);
/** The JSON error code of a raw answer. */
const codeOf = (b: Buffer) => {
  const text = b.toString('utf8');
  return (JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: { code: string } }).error.code;
};

/** A raw HTTP/1.1 request with `Connection: close`, so the answer ends with the socket. */
const raw = (method: string, path: string, headers: string[], body = '') =>
  [
    `${method} ${path} HTTP/1.1`,
    ...headers,
    'Connection: close',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');

describe('front door', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({ publishToken: TOKEN, publishRate: 0, requestHeadTimeoutMs: 600 });
  });
  after(() => s.close());

  describe('Host (DNS rebinding)', () => {
    it('refuses a foreign host name, even with a matching Origin, with 421 UNKNOWN_HOST', async () => {
      const rebound = raw(
        'POST',
        '/api/messages',
        [
          'Host: evil.example',
          'Origin: http://evil.example',
          `Authorization: Bearer ${TOKEN}`,
          'Content-Type: application/json',
        ],
        '{"body":"rebound"}',
      );
      const head = s.feed.head;
      const answer = await rawExchange(portOf(s), rebound);
      assert.equal(statusOf(answer), 421);
      assert.equal(codeOf(answer), 'UNKNOWN_HOST');
      assert.equal(s.feed.head, head, 'nothing published');
      const settings = raw(
        'PUT',
        '/api/settings',
        ['Host: evil.example:3000', 'Origin: http://evil.example:3000'],
        '{}',
      );
      assert.equal(statusOf(await rawExchange(portOf(s), settings)), 421);
      assert.equal(
        statusOf(await rawExchange(portOf(s), upgradeHead('/ws').replace('127.0.0.1', 'evil.example'))),
        421,
      );
    });

    it('answers IP literals, localhost and the configured names', async () => {
      for (const host of ['127.0.0.1', `127.0.0.1:${portOf(s)}`, '[::1]:80', 'localhost', 'app.localhost:3000']) {
        assert.equal(statusOf(await rawExchange(portOf(s), raw('GET', '/healthz', [`Host: ${host}`]))), 200, host);
      }
      const named = await startTestServer({ allowedHosts: ['push.example'] });
      try {
        const answer = await rawExchange(portOf(named), raw('GET', '/healthz', ['Host: PUSH.example:8080']));
        assert.equal(statusOf(answer), 200);
      } finally {
        await named.close();
      }
    });

    it('refuses an HTTP/1.1 request without Host in JSON, not in plain text', async () => {
      const answer = await rawExchange(portOf(s), 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
      assert.equal(statusOf(answer), 400);
      assert.equal(codeOf(answer), 'BAD_REQUEST');
    });
  });

  describe('WebSocket handshakes', () => {
    it('refuses what ws would refuse in plain text with the JSON error shape', async () => {
      const cases: Array<[string, number]> = [
        [upgradeHead('/ws').replace('GET', 'POST'), 405],
        [upgradeHead('/ws').replace('Upgrade: websocket', 'Upgrade: h2c'), 400],
        [upgradeHead('/ws').replace('dGhlIHNhbXBsZSBub25jZQ==', 'short'), 400],
        [upgradeHead('/ws').replace('Version: 13', 'Version: 8'), 400],
      ];
      for (const [head, status] of cases) {
        const answer = await rawExchange(portOf(s), head);
        assert.equal(statusOf(answer), status, head.split('\r\n')[0]);
        assert.match(answer.toString(), /\r\nContent-Type: application\/json; charset=utf-8\r\n/);
        assert.ok(['METHOD_NOT_ALLOWED', 'BAD_REQUEST'].includes(codeOf(answer)));
      }
    });
  });

  describe('the token', () => {
    it('guards publishing, the control routes and the inspector; reading stays public', async () => {
      const guarded: Array<[string, string, string]> = [
        ['POST', '/api/messages', '{"body":"x"}'],
        ['PUT', '/api/settings', '{"logRate":1}'],
        ['POST', '/api/burst', '{"count":5}'],
        ['POST', '/api/stats/clear', ''],
        ['GET', '/api/inspect?tag=page-0123456789ab', ''],
      ];
      const head = s.feed.head;
      for (const [method, path, body] of guarded) {
        const headers = ['Host: 127.0.0.1', 'Content-Type: application/json'];
        const anonymous = await rawExchange(portOf(s), raw(method, path, headers, body));
        assert.equal(statusOf(anonymous), 401, `${method} ${path}`);
        assert.equal(codeOf(anonymous), 'UNAUTHORIZED');
        const wrong = await rawExchange(portOf(s), raw(method, path, [...headers, 'Authorization: Bearer nope'], body));
        assert.equal(statusOf(wrong), 401, `${method} ${path} with a wrong token`);
        const right = await rawExchange(
          portOf(s),
          raw(method, path, [...headers, `Authorization: Bearer ${TOKEN}`], body),
        );
        assert.ok(statusOf(right) < 300, `${method} ${path} with the token: ${statusOf(right)}`);
      }
      assert.equal(s.feed.head, head + 1 + 5, 'only the authorized publish and burst stored anything');
      for (const path of ['/api/poll?after=0', '/api/stats', '/api/settings', '/healthz']) {
        assert.equal(statusOf(await rawExchange(portOf(s), raw('GET', path, ['Host: 127.0.0.1']))), 200, path);
      }
    });

    it('is not taken from the query string on HTTP (a URL ends up in logs and histories)', async () => {
      const res = await fetch(`${s.url}/api/messages?token=${TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"body":"via query"}',
      });
      assert.equal(res.status, 401);
    });
  });

  describe('slow request heads', () => {
    it('answers a socket that sends nothing, or drips its head, 408 JSON and closes it', async () => {
      const [idle, drip] = await openSockets(portOf(s), 2, '');
      assert.ok(idle && drip);
      const answers = [idle, drip].map(
        (socket) =>
          new Promise<Buffer>((resolve) => {
            const chunks: Buffer[] = [];
            socket.on('data', (c: Buffer) => chunks.push(c));
            socket.on('close', () => resolve(Buffer.concat(chunks)));
          }),
      );
      drip.write('GET /healthz HTTP/1.1\r\n');
      const dripping = setInterval(() => drip.writable && drip.write('X-Drip: 1\r\n'), 100);
      const [a, b] = await Promise.all(answers);
      clearInterval(dripping);
      for (const answer of [a, b]) {
        assert.ok(answer);
        assert.equal(statusOf(answer), 408);
        assert.equal(codeOf(answer), 'REQUEST_TIMEOUT');
      }
      await waitFor(() => s.connections.open === 0, 10_000, 'both released');
    });
  });
});
