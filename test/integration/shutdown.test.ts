import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import type { StatsResponse } from '../../protocol/wire.ts';
import { spawnServer } from '../support/child.ts';
import { startTestServer, waitFor } from '../support/server.ts';
import { openSse } from '../support/sse.ts';
import { openWs } from '../support/ws.ts';

// Each test has a server of its own (two of them processes to start): they run at the same time.
describe('shutdown', { concurrency: true }, () => {
  it('SIGTERM: held long-polls get 204, SSE ends, WebSockets close 1001, exit 0 before the deadline', async () => {
    const child = await spawnServer(['--port', '0']);
    try {
      const longPoll = new Promise<number>((resolve, reject) => {
        request(`${child.url}/api/long-poll?after=0&timeout=60000`, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
      const sse = await openSse(`${child.url}/api/sse?after=0`);
      await sse.next(1);
      const ws = await openWs(`${child.url.replace('http', 'ws')}/ws`);
      await ws.next(1);
      const until = Date.now() + 3000;
      for (;;) {
        const stats = (await (await fetch(`${child.url}/api/stats`)).json()) as StatsResponse;
        if (stats.transports['long-poll'].held === 1) break;
        assert.ok(Date.now() < until, 'the long-poll was never held');
      }
      const signalledAt = performance.now();
      child.proc.kill('SIGTERM');
      const [status, closed, code] = await Promise.all([longPoll, ws.closed, child.exited, sse.ended()]);
      const tookMs = performance.now() - signalledAt;
      console.log(`# SIGTERM → exit ${code} in ${tookMs.toFixed(0)} ms`);
      assert.equal(status, 204);
      assert.equal(closed.code, 1001);
      assert.equal(code, 0);
      // Exit 0 is the graceful path: the 5 s deadline exits 1 and logs shutdown-timeout.
      assert.doesNotMatch(child.stdout(), /"event":"shutdown-timeout"/);
      assert.doesNotMatch(child.stderr(), /Unhandled|Error/);
      // The whole lifecycle is in the JSON log, and nothing at error level or above.
      const log = child.stdout();
      assert.match(log, /"event":"signal","signal":"SIGTERM","action":"close"/);
      assert.match(log, /"event":"closed"/);
      assert.doesNotMatch(log, /"level":(50|60)/);
      for (const line of log.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), line);
    } finally {
      child.proc.kill('SIGKILL');
    }
  });

  it('a second signal exits at once', async () => {
    const child = await spawnServer(['--port', '0']);
    try {
      // A WebSocket that never completes the close keeps the first shutdown busy for a second.
      const socket = await openWs(`${child.url.replace('http', 'ws')}/ws`);
      await socket.next(1);
      socket.ws.pause();
      const signalledAt = performance.now();
      child.proc.kill('SIGINT');
      // The second signal once the first is being handled (two pending signals can merge into one).
      await waitFor(() => /"action":"close"/.test(child.stdout()), 10_000, 'the first signal handled');
      child.proc.kill('SIGINT');
      const code = await child.exited;
      const tookMs = performance.now() - signalledAt;
      console.log(`# second signal → exit ${code} in ${tookMs.toFixed(0)} ms`);
      // The second signal's own exit, not the 5 s deadline's: its log line says so.
      assert.equal(code, 1);
      assert.match(child.stdout(), /"event":"signal","signal":"SIGINT","action":"exit-now"/);
      assert.doesNotMatch(child.stdout(), /"event":"shutdown-timeout"/);
    } finally {
      child.proc.kill('SIGKILL');
    }
  });

  it('acknowledges no publish once closing has begun: 503 SHUTTING_DOWN, not a 201 nobody receives', async () => {
    const s = await startTestServer({ publishRate: 0 });
    const reader = await openWs(`${s.url.replace('http', 'ws')}/ws`);
    await reader.next(1);
    // A publish whose head has arrived and whose body comes only after the close began.
    const body = '{"body":"late"}';
    const socket = connect(Number(new URL(s.url).port), '127.0.0.1');
    socket.write(
      `POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (c: Buffer) => {
        text += c.toString('utf8');
      });
      socket.on('close', () => resolve(text));
    });
    await waitFor(() => s.stats.counts().other.requests > 0, 10_000, 'the request arrived');
    const closing = s.close();
    await reader.closed;
    socket.write(body);
    const text = await answer;
    await closing;
    assert.match(text, /^HTTP\/1\.1 503 /);
    assert.match(text, /"code":"SHUTTING_DOWN"/);
    assert.ok(!reader.frames.some((f) => f.type === 'message'), 'nothing was published');
  });
});
