import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { FeedMessage } from '../../protocol/wire.ts';
import { RedisFeed, type RedisFeedOptions } from '../../server/feed/redis-feed.ts';
import { feedKeys } from '../../server/feed/redis-scripts.ts';
import { feedContract } from '../support/feed-contract.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { waitFor } from '../support/server.ts';

let redis: RedisServer;
const feeds: RedisFeed[] = [];
const prefix = () => `t-${randomBytes(6).toString('hex')}`;

/** A Redis feed on this file's redis-server (its own keys unless `prefix` is given), closed after the file. */
async function openFeed(opts: Partial<RedisFeedOptions> & { historySize: number }): Promise<RedisFeed> {
  const feed = await RedisFeed.open({ url: redis.url, prefix: prefix(), blockMs: 200, ...opts });
  feeds.push(feed);
  return feed;
}

/** Two instances of one feed: two RedisFeeds on the same keys. */
async function twins(
  opts: Partial<RedisFeedOptions> & { historySize: number },
): Promise<[RedisFeed, RedisFeed, string]> {
  const p = prefix();
  return [await openFeed({ ...opts, prefix: p }), await openFeed({ ...opts, prefix: p }), p];
}

/** Runs one command on the test's own connection, as an operator (or a fault) would. */
async function admin(...command: [string, ...string[]]): Promise<void> {
  const conn = new Redis(redis.url);
  await conn.call(...command);
  conn.disconnect();
}

before(async () => {
  redis = await startRedis();
});
after(async () => {
  await Promise.all(feeds.map((f) => f.close()));
  await redis.close();
});

feedContract({ name: 'RedisFeed', make: (opts) => openFeed(opts), numRuns: 8 });

const chat = (body: string, id?: string) => ({ source: 'chat' as const, body, ...(id ? { id } : {}) });

/** Every message a feed's subscribers hear, and every reset. */
function listen(feed: RedisFeed) {
  const seen: FeedMessage[] = [];
  const resets: string[] = [];
  feed.subscribe(
    (m) => seen.push(m),
    (e) => resets.push(e),
  );
  return { seen, resets, seqs: () => seen.map((m) => m.seq) };
}

describe('RedisFeed', () => {
  it('fails to open with a clear message when Redis cannot be reached', async () => {
    await assert.rejects(
      RedisFeed.open({ url: 'redis://127.0.0.1:1', historySize: 5, timeoutMs: 300 }),
      /cannot reach Redis at 127\.0\.0\.1:1 \(REDIS_URL\)/,
    );
  });

  describe('two instances on one Redis', () => {
    it('share one seq and one history: an id published on both is stored once', async () => {
      const [a, b] = await twins({ historySize: 100 });
      assert.equal(b.epoch, a.epoch);
      const [x, y] = await Promise.all([a.publish(chat('first', 'dup')), b.publish(chat('second', 'dup'))]);
      assert.equal(x.message.seq, y.message.seq);
      assert.deepEqual([x.duplicate, y.duplicate].sort(), [false, true]);
      const next = await b.publish(chat('next'));
      assert.equal(next.message.seq, x.message.seq + 1);
      assert.deepEqual(
        (await a.read(0)).messages.map((m) => m.body),
        [x.message.body, 'next'],
      );
    });

    it("deliver every message of both to each instance's subscribers, in seq order, once", async () => {
      const [a, b] = await twins({ historySize: 1000 });
      const la = listen(a);
      const lb = listen(b);
      const published = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).publish(chat(`m${i}`))),
      );
      const all = Array.from({ length: 100 }, (_, i) => i + 1);
      assert.deepEqual(
        published.map((p) => p.message.seq).sort((p, q) => p - q),
        all,
      );
      await waitFor(() => la.seen.length >= 100 && lb.seen.length >= 100, 20_000, 'both instances hear all 100');
      assert.deepEqual(la.seqs(), all);
      assert.deepEqual(lb.seqs(), all);
      assert.deepEqual(lb.seen, la.seen, 'the same messages');
      assert.equal(a.head, 100);
      assert.equal(b.head, 100);
    });
  });

  describe('history lost', () => {
    it('FLUSHALL: one new epoch for every instance, subscribers told at once, old cursors reset', async () => {
      const [a, b] = await twins({ historySize: 10 });
      for (let i = 0; i < 5; i++) await a.publish(chat(`old ${i}`));
      const old = a.epoch;
      const la = listen(a);
      const lb = listen(b);
      await admin('FLUSHALL');
      // Nobody publishes: the readers notice on their own (their block times out, they check).
      await waitFor(() => la.resets.length > 0 && lb.resets.length > 0, 20_000, 'both readers notice');
      assert.notEqual(a.epoch, old);
      assert.equal(b.epoch, a.epoch, 'one epoch, not one per instance');
      assert.deepEqual(la.resets, [a.epoch]);
      assert.deepEqual(lb.resets, [a.epoch]);
      assert.equal(a.head, 0);
      const r = await b.read(5, { epoch: old });
      assert.deepEqual(
        { reset: r.reset, cursor: r.cursor, epoch: r.epoch },
        { reset: true, cursor: 0, epoch: a.epoch },
      );
      const fresh = await b.publish(chat('new'));
      assert.equal(fresh.message.seq, 1, 'seqs restart');
      await waitFor(() => la.seen.length === 1, 20_000, 'a hears the new epoch');
      assert.deepEqual(la.seqs(), [1]);
    });

    it('a stream that vanished under a kept epoch key (eviction) is lost history too', async () => {
      const p = prefix();
      const a = await openFeed({ historySize: 10, prefix: p });
      for (let i = 0; i < 3; i++) await a.publish(chat(`x${i}`));
      const old = a.epoch;
      await admin('DEL', feedKeys(p).stream);
      const r = await a.read(3, { epoch: old });
      assert.equal(r.reset, true);
      assert.notEqual(r.epoch, old, 'not a silent restart of seqs under the same epoch');
    });

    it('a reader blocked above its position notices a refilled stream of a new epoch (never a silent gap)', async () => {
      const [a, b, p] = await twins({ historySize: 100, blockMs: 60_000 });
      const lb = listen(b);
      for (let i = 0; i < 3; i++) await a.publish(chat(`old ${i}`));
      // b's reader delivers on its own schedule: at 3 it blocks for anything above 0-3.
      await waitFor(() => lb.seen.length === 3, 20_000, 'b at the old head');
      await admin('DEL', feedKeys(p).epoch, feedKeys(p).stream);
      // a creates the new epoch by publishing past b's old position; b's XREAD wakes on seq 4.
      for (let i = 0; i < 4; i++) await a.publish(chat(`new ${i}`));
      await waitFor(() => lb.seen.length === 7, 20_000, 'b hears the new epoch from its start');
      assert.deepEqual(lb.resets, [a.epoch]);
      assert.deepEqual(lb.seqs(), [1, 2, 3, 1, 2, 3, 4]);
      assert.deepEqual(
        lb.seen.map((m) => m.body),
        ['old 0', 'old 1', 'old 2', 'new 0', 'new 1', 'new 2', 'new 3'],
      );
    });
  });
});
