import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../server/server.ts';
import { startTestServer } from '../support/server.ts';

/** A GET with chosen Host and Origin headers (fetch cannot set Host); the head only, then closed. */
function head(url: string, path: string, headers: Record<string, string>, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the read routes under another loopback name (server/http/cors.ts)', () => {
  let s: RunningServer;
  let port: string;
  before(async () => {
    s = await startTestServer();
    port = new URL(s.url).port;
  });
  after(() => s.close());

  it('allow the page of this same server to read poll, long-poll and SSE from <tab>.localhost', async () => {
    const headers = { host: `tab-ab12cd.localhost:${port}`, origin: `http://127.0.0.1:${port}` };
    for (const path of ['/api/poll?after=0', '/api/long-poll?after=0&timeout=0', '/api/sse?after=0']) {
      const r = await head(s.url, path, headers);
      assert.ok(r.status >= 200 && r.status < 300, `${path}: ${r.status}`);
      assert.equal(r.headers['access-control-allow-origin'], `http://127.0.0.1:${port}`, path);
      assert.equal(r.headers['access-control-expose-headers'], 'X-Pushrace-Instance', path);
    }
  });

  it('allow nobody else, and nothing but those reads', async () => {
    const cases: Array<[string, Record<string, string>, string?]> = [
      ['/api/poll?after=0', { host: `tab-x.localhost:${port}`, origin: 'http://127.0.0.1:1' }],
      ['/api/poll?after=0', { host: `tab-x.localhost:${port}`, origin: `http://evil.example:${port}` }],
      ['/api/poll?after=0', { host: `127.0.0.1:${port}` }],
      ['/api/stats', { host: `tab-x.localhost:${port}`, origin: `http://127.0.0.1:${port}` }],
      ['/api/settings', { host: `tab-x.localhost:${port}`, origin: `http://127.0.0.1:${port}` }],
      ['/api/messages', { host: `tab-x.localhost:${port}`, origin: `http://127.0.0.1:${port}` }, 'POST'],
    ];
    for (const [path, headers, method] of cases) {
      const r = await head(s.url, path, headers, method);
      assert.equal(r.headers['access-control-allow-origin'], undefined, `${method ?? 'GET'} ${path} ${headers.origin}`);
    }
  });
});
