import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { createWsTransport, publishHttp, ServerError } from '../../client/lib/index.ts';
import { ERRORS } from '../../server/errors.ts';
import type { RunningServer } from '../../server/server.ts';
import { publish, startTestServer, waitFor } from '../support/server.ts';
import { openWs, upgradeStatus } from '../support/ws.ts';

const TOKEN = 'test-token-0123456789abcdef';
const wsUrl = (s: RunningServer, q = '') => `${s.url.replace('http', 'ws')}/ws${q}`;

describe('access', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({ publishToken: TOKEN });
  });
  after(() => s.close());

  it('refuses a cross-origin upgrade and a cross-origin POST with 403', async () => {
    const up = await upgradeStatus(wsUrl(s), { Origin: 'https://evil.example' });
    assert.equal(up.status, 403);
    assert.match(up.body, /FORBIDDEN_ORIGIN/);
    const post = await publish(s.url, 'x', {
      headers: { origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(post.status, 403);
    assert.deepEqual(Object.keys(post.json), ['error']);
  });

  it('answers a POST without the token, or with a wrong one, 401 JSON and stores nothing', async () => {
    const head = s.feed.head;
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-token-wrong-token' },
      { authorization: TOKEN },
    ];
    for (const headers of attempts) {
      const r = await publish(s.url, 'no', { headers });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, { error: { code: 'UNAUTHORIZED', message: ERRORS.UNAUTHORIZED.message } });
    }
    assert.equal(s.feed.head, head);
    const ok = await publish(s.url, 'yes', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.status, 201);
  });

  it('refuses an upgrade with a wrong token; without one the socket reads but may not publish', async () => {
    assert.equal((await upgradeStatus(wsUrl(s, '?token=nope'))).status, 401);
    const c = await openWs(wsUrl(s));
    await c.next(1);
    c.send({ type: 'publish', body: 'no', id: 'a-1' });
    const [, denied] = await c.next(2);
    assert.deepEqual(denied && denied.type === 'error' && [denied.code, denied.id], ['UNAUTHORIZED', 'a-1']);
    c.send({ type: 'auth', token: 'wrong' });
    const [, , wrong] = await c.next(3);
    assert.equal(wrong?.type === 'error' && wrong.code, 'UNAUTHORIZED');
    c.send({ type: 'auth', token: TOKEN });
    c.send({ type: 'publish', body: 'after auth frame', id: 'a-2' });
    const frames = await c.next(5);
    assert.equal(frames[4]?.type, 'ack');
    c.ws.close();
  });

  it('the client library sends the token: ws by query, publishHttp as a bearer header', async () => {
    const t = createWsTransport({ baseUrl: s.url, WebSocket, token: TOKEN });
    let open = false;
    t.start({}, { messages: () => {}, reset: () => {}, error: () => {}, state: (st) => (open = st === 'open') });
    await waitFor(() => open, 20_000, 'ws open');
    const ack = await t.publish('from the lib');
    assert.ok(ack.seq > 0);
    t.stop();
    const http = await publishHttp(s.url, { body: 'lib http' }, undefined, TOKEN);
    assert.ok(http.seq > ack.seq);
    await assert.rejects(publishHttp(s.url, { body: 'no token' }), (e: unknown) => e instanceof ServerError);
  });

  it('never logs the token', async () => {
    const lines: string[] = [];
    const log = s.observer.log;
    const write = (o: unknown) => lines.push(JSON.stringify(o));
    const spy = { warn: write, info: write, debug: write };
    const original = { warn: log.warn, info: log.info, debug: log.debug };
    // A fresh throttle window: earlier tests' refusals must not crowd these lines out.
    s.observer.violations.flush();
    Object.assign(log, spy);
    try {
      await upgradeStatus(wsUrl(s, `?token=${TOKEN}x`));
      await publish(s.url, 'x', { headers: { authorization: `Bearer ${TOKEN}x` } });
      s.observer.violations.flush();
    } finally {
      Object.assign(log, original);
    }
    assert.ok(lines.length >= 2, 'violations were logged');
    assert.ok(
      lines.every((l) => !l.includes(TOKEN)),
      lines.join('\n'),
    );
  });

  it('logs a flood of refused publishes at most 5 a second per IP, and counts every one', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = s.observer.log;
    const original = log.warn;
    const counted = async () =>
      Number(
        /^pushrace_violations_total\{kind="unauthorized"\} (\d+)/m.exec(
          await (await fetch(`${s.url}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    const before = await counted();
    const violations = s.observer.violations;
    violations.flush();
    // Where each window ends, marked in the captured lines: a window with nothing left out ends
    // without a line of its own, and a busy machine spreads the flood over several windows.
    const endWindow = violations.flush.bind(violations);
    Object.assign(violations, {
      flush: () => {
        endWindow();
        lines.push({ event: 'window-end' });
      },
    });
    Object.assign(log, { warn: (o: Record<string, unknown>) => lines.push(o) });
    try {
      // All at once, so that a window holds more than five even when the machine is slow.
      const statuses = await Promise.all(
        Array.from(
          { length: 50 },
          async (_, i) => (await publish(s.url, `bad ${i}`, { headers: { authorization: 'Bearer nope' } })).status,
        ),
      );
      assert.deepEqual(new Set(statuses), new Set([401]));
      violations.flush();
    } finally {
      Object.assign(log, { warn: original });
      Reflect.deleteProperty(violations, 'flush');
    }
    // However many 1 s windows the 50 refusals spread over, each logs at most 5 lines and ends
    // with one summary of the rest: nothing is lost.
    const windows: Array<{ logged: number; suppressed: number }> = [{ logged: 0, suppressed: 0 }];
    for (const l of lines) {
      const w = windows[windows.length - 1] ?? { logged: 0, suppressed: 0 };
      if (l.event === 'violation' && l.kind === 'unauthorized') w.logged++;
      if (l.event === 'violation-suppressed') {
        assert.equal(l.kind, 'unauthorized');
        w.suppressed += Number(l.suppressed);
      }
      if (l.event === 'window-end') windows.push({ logged: 0, suppressed: 0 });
    }
    for (const w of windows) assert.ok(w.logged <= 5, JSON.stringify(lines));
    assert.equal(
      windows.reduce((n, w) => n + w.logged + w.suppressed, 0),
      50,
      'every refusal is logged or counted in a summary',
    );
    assert.ok(
      windows.some((w) => w.suppressed > 0),
      'the flood was throttled',
    );
    assert.equal((await counted()) - before, 50, 'the counter sees every refusal');
  });
});
