import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import type { StatsResponse } from '../../protocol/wire.ts';
import { spawnServer } from '../support/child.ts';
import { openSse } from '../support/sse.ts';
import { openWs } from '../support/ws.ts';

describe('shutdown', () => {
  it('SIGTERM: held long-polls get 204, SSE ends, WebSockets close 1001, exit 0 within 5 s', async () => {
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
      assert.ok(tookMs < 5000, `took ${tookMs} ms`);
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
      await new Promise((r) => setTimeout(r, 50));
      child.proc.kill('SIGINT');
      const code = await child.exited;
      const tookMs = performance.now() - signalledAt;
      console.log(`# second signal → exit ${code} in ${tookMs.toFixed(0)} ms`);
      assert.ok(tookMs < 1000, `took ${tookMs} ms`);
      if (code !== 0) assert.match(child.stdout(), /"event":"signal","signal":"SIGINT","action":"exit-now"/);
    } finally {
      child.proc.kill('SIGKILL');
    }
  });
});
