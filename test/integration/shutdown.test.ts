import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import type { StatsResponse } from '../../protocol/wire.ts';
import { spawnServer } from '../support/child.ts';
import { waitFor } from '../support/server.ts';
import { openSse } from '../support/sse.ts';
import { openWs } from '../support/ws.ts';

describe('shutdown', () => {
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
});
