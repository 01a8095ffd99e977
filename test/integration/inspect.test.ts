import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { InspectResponse } from '../../protocol/control.ts';
import type { RunningServer } from '../../server/server.ts';
import { startTestServer, waitFor } from '../support/server.ts';

const TOKEN = 'a-publish-token-of-32-characters';
const MINE = 'page-0123456789ab';
const THEIRS = 'page-ba9876543210';

/** GET `path` from a chosen local address (so a test can be two clients on one machine). */
function getFrom(url: string, path: string, localAddress: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname.replace(/^\[|\]$/g, ''),
        port,
        path,
        localAddress,
        headers: { authorization: `Bearer ${TOKEN}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject).end();
  });
}

/** Opens a WebSocket with `query`, sends `frames` and waits for the answer to each (an auth frame has none). */
async function wsSession(s: RunningServer, query: string, frames: object[], headers: Record<string, string> = {}) {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws?${query}`, { headers, perMessageDeflate: false });
  const seen: string[] = [];
  ws.on('message', (m) => seen.push(String(m)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  for (const f of frames) {
    const before = seen.length;
    ws.send(JSON.stringify(f));
    if ('type' in f && f.type === 'auth') continue;
    await waitFor(() => seen.slice(before).some((m) => /"(ack|error)"/.test(m)), 10_000, 'an answer');
  }
  ws.close(1000, 'client done');
  await new Promise((resolve) => ws.once('close', resolve));
}

describe('the wire inspector (GET /api/inspect)', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({ publishToken: TOKEN, publishRate: 0 });
  });
  after(() => s.close());

  const inspect = async (tag: string) => {
    const res = await fetch(`${s.url}/api/inspect?tag=${tag}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    return (await res.json()) as InspectResponse;
  };

  it('shows a tagged WebSocket handshake and its frame headers exactly', async () => {
    await wsSession(s, `inspect=${MINE}&token=${TOKEN}`, [{ type: 'publish', body: 'hi' }]);
    const capture = (await inspect(MINE)).transports.ws;
    assert.equal(capture.scope, 'tag');
    assert.match(
      capture.request?.text ?? '',
      new RegExp(`^GET /ws\\?inspect=${MINE}&token=\\[redacted\\] HTTP/1\\.1\\r\\n`),
    );
    assert.match(capture.response?.text ?? '', /^HTTP\/1\.1 101 /);
    assert.equal(capture.response?.bytes, Buffer.byteLength(capture.response?.text ?? '', 'latin1'));
    const hello = capture.framesOut[0];
    assert.equal(hello?.size, 2);
    assert.equal(hello?.masked, false);
    assert.match(hello?.preview ?? '', /^\{"type":"hello"/);
    const publish = capture.framesIn[0];
    assert.equal(publish?.masked, true);
    assert.equal(publish?.size, 6);
    assert.equal(publish?.preview, '{"type":"publish","body":"hi"}');
    const close = capture.framesIn.at(-1);
    assert.equal(close?.opcode, 8);
    assert.equal(close?.preview, '1000 client done', 'a close frame is shown as its status code and reason');
  });

  it('redacts credentials: token parameters, Authorization, Cookie and auth frames', async () => {
    const tag = 'page-redact-000001';
    await wsSession(s, `inspect=${tag}&token=${TOKEN}`, [{ type: 'auth', token: TOKEN }, { type: 'nope' }], {
      authorization: `Bearer ${TOKEN}`,
      cookie: `session=${TOKEN}`,
    });
    const text = JSON.stringify(await inspect(tag));
    assert.ok(!text.includes(TOKEN), 'the token appears nowhere in the capture');
    assert.ok(!text.includes('session='), 'cookie values are not shown');
    const ws = (await inspect(tag)).transports.ws;
    assert.match(ws.request?.text ?? '', /\r\n[Aa]uthorization: \[redacted\]\r\n/);
    assert.match(ws.request?.text ?? '', /\r\n[Cc]ookie: \[redacted\]\r\n/);
    assert.ok(ws.framesIn.some((f) => f.preview === '{"type":"auth","token":"[redacted]"}'));
    // The byte counts stay those of the real bytes.
    assert.ok((ws.request?.bytes ?? 0) > Buffer.byteLength(ws.request?.text ?? '', 'latin1'));
  });

  it('never shows anyone else’s connections: no fallback to the last seen, no foreign tag', async () => {
    await wsSession(s, `inspect=${THEIRS}&token=${TOKEN}`, [{ type: 'publish', body: 'theirs' }]);
    await fetch(`${s.url}/api/poll?after=0`).then((r) => r.text());
    const fresh = await inspect('page-nothing-yet-00');
    for (const c of Object.values(fresh.transports)) {
      assert.equal(c.scope, 'none');
      assert.equal(c.request, undefined);
      assert.deepEqual(c.framesOut, []);
    }
  });

  it('answers a tag only to the address that made it', async () => {
    const dual = await startTestServer({ host: '::', publishToken: TOKEN });
    try {
      const port = new URL(dual.url).port;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?inspect=${MINE}`, { perMessageDeflate: false });
      await new Promise((resolve) => ws.once('message', resolve));
      ws.close();
      const own = await getFrom(`http://127.0.0.1:${port}`, `/api/inspect?tag=${MINE}`, '127.0.0.1');
      assert.equal((JSON.parse(own.body) as InspectResponse).transports.ws.scope, 'tag');
      const other = await getFrom(`http://[::1]:${port}`, `/api/inspect?tag=${MINE}`, '::1');
      assert.equal(other.status, 200);
      const stolen = JSON.parse(other.body) as InspectResponse;
      assert.equal(stolen.transports.ws.scope, 'none');
      assert.ok(!other.body.includes('Sec-WebSocket'), 'nothing of the other client’s handshake');
    } finally {
      await dual.close();
    }
  });

  it('refuses a missing, short or malformed tag with 400 BAD_QUERY', async () => {
    for (const q of ['', '?tag=t1', '?tag=%3Cx%3E', `?tag=${MINE}&tag=${MINE}`]) {
      const res = await fetch(`${s.url}/api/inspect${q}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 400, q);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'BAD_QUERY');
    }
  });
});
