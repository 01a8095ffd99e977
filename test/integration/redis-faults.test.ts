import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FeedMessage } from '../../protocol/wire.ts';
import { PushraceError } from '../../server/errors.ts';
import { RedisFeed } from '../../server/feed/redis-feed.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { waitFor } from '../support/server.ts';

/** The command timeout of these feeds: short, so a frozen Redis fails the test's publish soon (not so short that a busy machine does). */
const TIMEOUT_MS = 1000;

const chat = (body: string) => ({ source: 'chat' as const, body });

const unavailable = (err: unknown) => err instanceof PushraceError && err.code === 'FEED_UNAVAILABLE';

const open: RedisFeed[] = [];
after(() => Promise.all(open.map((f) => f.close())));

/** A feed on `redis` (closed after the file, whatever happens) with a subscriber that records every message and reset. */
async function watched(redis: RedisServer) {
  const feed = await RedisFeed.open({ url: redis.url, historySize: 100, timeoutMs: TIMEOUT_MS, blockMs: 200 });
  open.push(feed);
  const seen: FeedMessage[] = [];
  const resets: string[] = [];
  feed.subscribe(
    (m) => seen.push(m),
    (e) => resets.push(e),
  );
  return { feed, seen, resets, seqs: () => seen.map((m) => m.seq) };
}

/** Publishes until the feed takes it (10 s at most): right after Redis comes back, the connection may not be up yet. */
async function publishWhenBack(feed: RedisFeed, body: string) {
  for (const until = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 50))) {
    try {
      return await feed.publish(chat(body));
    } catch (err) {
      if (!unavailable(err) || Date.now() > until) throw err;
    }
  }
}

describe('RedisFeed when Redis fails', () => {
  describe('without persistence', () => {
    let redis: RedisServer;
    before(async () => {
      redis = await startRedis();
    });
    after(() => redis.close());

    it('stopped: publishes and reads fail fast with FEED_UNAVAILABLE, subscribers stay; back empty: one reset', async () => {
      const w = await watched(redis);
      for (let i = 0; i < 3; i++) await w.feed.publish(chat(`before ${i}`));
      const old = w.feed.epoch;
      await redis.stop();
      await assert.rejects(w.feed.publish(chat('while down')), unavailable);
      await assert.rejects(w.feed.read(0), unavailable);
      assert.equal(w.feed.subscribers, 1, 'nobody was unsubscribed');
      assert.equal(w.feed.epoch, old, 'the last epoch seen, until Redis says otherwise');

      await redis.start();
      // The reader reconnects and finds the epoch gone, without anyone publishing.
      await waitFor(() => w.resets.length > 0, 10_000, 'the reset');
      assert.notEqual(w.feed.epoch, old);
      const fresh = await publishWhenBack(w.feed, 'after');
      assert.equal(fresh.message.seq, 1);
      assert.deepEqual(w.seqs(), [1, 2, 3, 1]);
      assert.deepEqual(w.resets, [w.feed.epoch], 'exactly one reset');
      const r = await w.feed.read(3, { epoch: old });
      assert.equal(r.reset, true, 'an old cursor is answered with a reset, never a silent gap');
    });

    it('frozen (answers nothing): a publish fails after the timeout while the event loop runs on', async () => {
      const w = await watched(redis);
      await w.feed.publish(chat('before'));
      const epoch = w.feed.epoch;
      redis.pause();
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      try {
        await assert.rejects(w.feed.publish(chat('while frozen')), unavailable);
        assert.ok(ticks > 0, 'timers ran while the publish waited');
      } finally {
        clearInterval(ticker);
        redis.resume();
      }
      const next = await publishWhenBack(w.feed, 'after');
      assert.equal(w.feed.epoch, epoch, 'nothing was lost: same epoch');
      assert.deepEqual(w.resets, []);
      // The frozen publish may or may not have been stored (it was sent): either way, in order.
      await waitFor(() => w.seqs().at(-1) === next.message.seq, 10_000, 'the next message');
      assert.deepEqual(
        w.seqs(),
        Array.from({ length: next.message.seq }, (_, i) => i + 1),
      );
    });
  });

  describe('with AOF', () => {
    let redis: RedisServer;
    before(async () => {
      redis = await startRedis({ aof: true });
    });
    after(() => redis.close());

    it('a crash and restart loses nothing: same epoch, no reset, the stream goes on', async () => {
      const w = await watched(redis);
      for (let i = 0; i < 3; i++) await w.feed.publish(chat(`before ${i}`));
      const epoch = w.feed.epoch;
      await redis.kill();
      await assert.rejects(w.feed.publish(chat('while down')), unavailable);
      await redis.start();
      const next = await publishWhenBack(w.feed, 'after');
      assert.equal(next.message.seq, 4);
      assert.equal(w.feed.epoch, epoch);
      assert.deepEqual(w.seqs(), [1, 2, 3, 4]);
      assert.deepEqual(w.resets, []);
      const r = await w.feed.read(2, { epoch });
      assert.equal(r.reset, false);
      assert.deepEqual(
        r.messages.map((m) => m.body),
        ['before 2', 'after'],
      );
    });
  });
});
