import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { createTransport, publishHttp, ServerError } from '../../client/lib/index.ts';
import type { ClientOptions } from '../../client/lib/types.ts';
import { TRANSPORT_NAMES } from '../../protocol/wire.ts';
import type { RunningServer } from '../../server/server.ts';
import { Recorder, type Seen } from '../support/client-recorder.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { startTestServer } from '../support/server.ts';

/** Publishes over HTTP until the server takes it (10 s at most): right after Redis returns, its connection may still be down. */
async function publishWhenBack(url: string, body: string): Promise<number> {
  for (const until = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 50))) {
    try {
      return (await publishHttp(url, { body })).seq;
    } catch (err) {
      if (!(err instanceof ServerError && err.code === 'FEED_UNAVAILABLE') || Date.now() > until) throw err;
    }
  }
}

/** The seqs a recorder saw, split at its resets: one list per epoch. */
function byEpoch(seen: Seen[]): number[][] {
  const out: number[][] = [[]];
  for (const s of seen) {
    if ('reset' in s) out.push([]);
    else out.at(-1)?.push(...s.messages);
  }
  return out;
}

for (const aof of [false, true]) {
  describe(`a server on a Redis feed, Redis restarted ${aof ? 'with AOF' : 'without persistence'}`, () => {
    let redis: RedisServer;
    let s: RunningServer;
    before(async () => {
      redis = await startRedis({ aof });
      s = await startTestServer({ redisUrl: redis.url, redisPrefix: 'srv', publishRate: 0 });
    });
    after(async () => {
      await s.close();
      await redis.close();
    });

    const outcome = aof ? 'resumes with every message, no reset' : 'gets one reset, then the new epoch in order';
    it(`answers 503 FEED_UNAVAILABLE while Redis is down, keeps streams open, and each transport ${outcome}`, async (ctx) => {
      const options: ClientOptions = {
        baseUrl: s.url,
        pollIntervalMs: 50,
        // Longer than the test: a held long-poll learns of a reset from the feed, not from a timeout.
        longPollTimeoutMs: 30_000,
        backoff: { initialMs: 20, maxMs: 200 },
        WebSocket,
        EventSource,
      };
      const old = s.feed.epoch;
      const clients = TRANSPORT_NAMES.map((name) => ({ name, t: createTransport(name, options), rec: new Recorder() }));
      for (const c of clients) c.t.start({ after: s.feed.head, epoch: old }, c.rec);
      // Stopped even when an assertion fails: a running client would keep the file from ending.
      ctx.after(() => {
        for (const c of clients) c.t.stop();
      });
      for (const body of ['a', 'b', 'c']) await publishHttp(s.url, { body });
      await Promise.all(clients.map((c) => c.rec.until(() => c.rec.received.length === 3, `${c.name}: 3`)));

      await (aof ? redis.kill() : redis.stop());
      const down = await fetch(`${s.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ body: 'while down' }),
      });
      assert.equal(down.status, 503);
      assert.equal(((await down.json()) as { error: { code: string } }).error.code, 'FEED_UNAVAILABLE');
      // The server serves on, and says its feed is away (a load balancer can tell).
      const health = await fetch(`${s.url}/healthz`);
      assert.equal(health.status, 503);
      assert.deepEqual(((await health.json()) as { ok: boolean; feed: string }).feed, 'unavailable');
      assert.equal(s.stats.transports.sse.connections, 1, 'the SSE stream stays open');
      assert.equal(s.stats.transports.ws.connections, 1, 'the WebSocket stays open');

      await redis.start();
      if (!aof) {
        // Told before anything is published in the new epoch, on every transport.
        await Promise.all(clients.map((c) => c.rec.until(() => c.rec.resets.length === 1, `${c.name}: reset`, 10_000)));
      }
      const next = [await publishWhenBack(s.url, 'd'), await publishWhenBack(s.url, 'e')];
      await Promise.all(clients.map((c) => c.rec.until(() => c.rec.received.length === 5, `${c.name}: 5`, 10_000)));
      assert.deepEqual(next, aof ? [4, 5] : [1, 2]);
      for (const { name, rec } of clients) {
        if (aof) {
          assert.deepEqual(rec.seqs, [1, 2, 3, 4, 5], `${name}: every message once, in order`);
          assert.deepEqual(rec.resets, [], `${name}: no reset`);
        } else {
          assert.deepEqual(
            byEpoch(rec.seen),
            [
              [1, 2, 3],
              [1, 2],
            ],
            `${name}: a reset between the epochs`,
          );
          assert.equal(rec.resets.length, 1, `${name}: one reset`);
          assert.deepEqual([rec.resets[0]?.epoch, rec.resets[0]?.previousEpoch], [s.feed.epoch, old], name);
        }
        assert.deepEqual(
          rec.received.map((m) => m.body),
          ['a', 'b', 'c', 'd', 'e'],
        );
      }
    });
  });
}
