import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Feed } from '../../server/feed/feed.ts';

/** How the contract gets a fresh, empty feed of the implementation under test. */
export interface FeedFactory {
  /** `MemoryFeed`, `RedisFeed`: the suite's name. */
  name: string;
  make(opts: { historySize: number; onListenerError?: (err: unknown) => void }): Promise<Feed>;
  /**
   * fast-check runs of each property: every run builds a feed and publishes into it, which is
   * nothing in memory and a round trip a message on Redis.
   */
  numRuns: number;
}

const chat = (body: string, id?: string) => ({ source: 'chat' as const, body, ...(id ? { id } : {}) });
const seqs = (r: { messages: Array<{ seq: number }> }) => r.messages.map((m) => m.seq);

/**
 * The Feed contract (server/feed/feed.ts, docs/protocol.md "Epoch and cursor"), one suite for
 * every implementation: what a transport may rely on whichever feed the server runs.
 */
export function feedContract(factory: FeedFactory): void {
  const open: Feed[] = [];
  const make = async (historySize: number, onListenerError?: (err: unknown) => void) => {
    const feed = await factory.make(onListenerError ? { historySize, onListenerError } : { historySize });
    open.push(feed);
    return feed;
  };
  /** A feed of `size` into which `n` messages were published. */
  const feedWith = async (n: number, size = 10) => {
    const feed = await make(size);
    for (let i = 1; i <= n; i++) await feed.publish(chat(`m${i}`));
    return feed;
  };
  const runs = { numRuns: factory.numRuns };

  describe(`Feed contract: ${factory.name}`, () => {
    after(async () => {
      await Promise.all(open.map((f) => f.close()));
    });

    describe('#publish', () => {
      it('assigns seq strictly +1 from 1 and a sub-ms ts on the Unix-epoch scale; the epoch is a protocol epoch', async () => {
        const feed = await make(5);
        assert.match(feed.epoch, /^[A-Za-z0-9_-]{1,32}$/);
        assert.equal(feed.head, 0);
        const a = await feed.publish(chat('a'));
        const b = await feed.publish(chat('b'));
        assert.equal(a.message.seq, 1);
        assert.equal(b.message.seq, 2);
        assert.ok(Math.abs(a.message.ts - Date.now()) < 1000);
        assert.ok(b.message.ts >= a.message.ts);
        assert.deepEqual({ source: b.message.source, body: b.message.body }, { source: 'chat', body: 'b' });
        assert.equal(feed.head, 2);
      });

      it('stores any JSON body as it was given', async () => {
        const feed = await make(5);
        const body = { n: 1.5, s: 'é "q"', a: [null, true, { deep: [] }], __proto__x: 0 };
        const { message } = await feed.publish({ source: 'bench', body });
        assert.deepEqual(message.body, body);
        assert.deepEqual((await feed.read(0)).messages[0]?.body, body);
      });

      it('keeps a binary message binary: its base64 body and its encoding', async () => {
        const feed = await make(5);
        const body = Buffer.from([0, 1, 254, 255]).toString('base64');
        const { message } = await feed.publish({ source: 'bench', body, encoding: 'base64', id: 'bin' });
        assert.deepEqual(message, { seq: 1, ts: message.ts, source: 'bench', body, encoding: 'base64' });
        assert.deepEqual((await feed.read(0)).messages, [message]);
        assert.deepEqual(Object.keys(message), ['seq', 'ts', 'source', 'body', 'encoding'], 'the same JSON bytes');
      });

      it('stores the same client id once and answers the first seq', async () => {
        const feed = await make(5);
        const first = await feed.publish(chat('hello', 'x1'));
        const again = await feed.publish(chat('hello again', 'x1'));
        assert.equal(again.duplicate, true);
        assert.equal(again.message.seq, first.message.seq);
        assert.equal(again.message.body, 'hello');
        assert.equal(feed.head, 1);
      });

      it('forgets an id once its message is evicted, so the id can be used again', async () => {
        const feed = await make(2);
        await feed.publish(chat('a', 'x'));
        await feed.publish(chat('b'));
        await feed.publish(chat('c'));
        const r = await feed.publish(chat('a2', 'x'));
        assert.equal(r.duplicate, false);
        assert.equal(r.message.seq, 4);
      });

      it('gives concurrent publishes distinct consecutive seqs, and the same id concurrently one seq', async () => {
        const feed = await make(100);
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => feed.publish(chat(`c${i}`))));
        assert.deepEqual(
          results.map((r) => r.message.seq).sort((a, b) => a - b),
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
        const same = await Promise.all([1, 2, 3].map(() => feed.publish(chat('once', 'same-id'))));
        assert.equal(new Set(same.map((r) => r.message.seq)).size, 1);
        assert.equal(same.filter((r) => !r.duplicate).length, 1);
      });
    });

    describe('#subscribe', () => {
      it('notifies subscribers in seq order before publish resolves, and stops after unsubscribe', async () => {
        const feed = await make(5);
        const seen: number[] = [];
        const off = feed.subscribe((m) => seen.push(m.seq));
        assert.equal(feed.subscribers, 1);
        const a = await feed.publish(chat('a'));
        assert.deepEqual(seen, [a.message.seq], 'seen before publish resolved');
        await Promise.all([feed.publish(chat('b')), feed.publish(chat('c'))]);
        assert.deepEqual(seen, [1, 2, 3]);
        off();
        await feed.publish(chat('d'));
        assert.deepEqual(seen, [1, 2, 3]);
        assert.equal(feed.subscribers, 0);
      });

      it('keeps notifying the others when one subscriber throws, and reports the error', async () => {
        const errors: unknown[] = [];
        const feed = await make(5, (e) => errors.push(e));
        const seen: number[] = [];
        feed.subscribe(() => {
          throw new Error('broken subscriber');
        });
        feed.subscribe((m) => seen.push(m.seq));
        const r = await feed.publish(chat('a'));
        assert.equal(r.message.seq, 1);
        assert.deepEqual(seen, [1]);
        assert.match(String(errors[0]), /broken subscriber/);
      });
    });

    describe('#read', () => {
      it('after absent: live from now, nothing old', async () => {
        const feed = await feedWith(3);
        assert.deepEqual(await feed.read(undefined), { epoch: feed.epoch, cursor: 3, messages: [], reset: false });
      });

      it('after=0: everything retained, the same messages as published', async () => {
        const feed = await make(10);
        const published = [];
        for (let i = 1; i <= 3; i++) published.push((await feed.publish(chat(`m${i}`))).message);
        const r = await feed.read(0);
        assert.deepEqual(r.messages, published);
        assert.equal(r.cursor, 3);
        assert.equal(r.reset, false);
      });

      it('after=N: only seq > N; cursor stays N when there is nothing new', async () => {
        const feed = await feedWith(5);
        assert.deepEqual(seqs(await feed.read(3)), [4, 5]);
        assert.deepEqual(await feed.read(5), { epoch: feed.epoch, cursor: 5, messages: [], reset: false });
      });

      it('honours limit and returns the cursor of the last message given', async () => {
        const feed = await feedWith(8);
        const r = await feed.read(2, { limit: 3 });
        assert.deepEqual(seqs(r), [3, 4, 5]);
        assert.equal(r.cursor, 5);
      });

      it('resets on a foreign epoch, from the oldest retained', async () => {
        const feed = await feedWith(12, 10);
        const r = await feed.read(11, { epoch: 'OTHER' });
        assert.equal(r.reset, true);
        assert.equal(r.messages[0]?.seq, 3);
        assert.equal(r.cursor, 12);
        assert.equal(r.epoch, feed.epoch);
      });

      it('resets when the cursor was evicted, but not at exactly oldest − 1', async () => {
        const feed = await feedWith(15, 10); // retains 6..15
        const edge = await feed.read(5, { epoch: feed.epoch });
        assert.equal(edge.reset, false);
        assert.equal(edge.messages[0]?.seq, 6);
        const r = await feed.read(4, { epoch: feed.epoch });
        assert.equal(r.reset, true);
        assert.equal(r.messages[0]?.seq, 6);
      });

      it('resets when the cursor is ahead of the head', async () => {
        const feed = await feedWith(3);
        const r = await feed.read(9, { epoch: feed.epoch });
        assert.equal(r.reset, true);
        assert.deepEqual(seqs(r), [1, 2, 3]);
      });

      it('a reset on an empty feed puts the cursor at 0', async () => {
        const feed = await make(3);
        assert.deepEqual(await feed.read(7), { epoch: feed.epoch, cursor: 0, messages: [], reset: true });
      });

      it('property: reading page by page from any retained cursor gives every later seq once, in order', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 1, max: 40 }),
            fc.integer({ min: 0, max: 120 }),
            fc.integer({ min: 1, max: 15 }),
            fc.nat(),
            async (size, published, limit, pick) => {
              const feed = await feedWith(published, size);
              const oldest = Math.max(1, published - size + 1);
              try {
                const start = oldest - 1 + (pick % (published - oldest + 2));
                const got: number[] = [];
                let cursor = start;
                for (;;) {
                  const r = await feed.read(cursor, { epoch: feed.epoch, limit });
                  assert.equal(r.reset, false);
                  got.push(...seqs(r));
                  if (r.messages.length === 0) break;
                  cursor = r.cursor;
                }
                assert.deepEqual(
                  got,
                  Array.from({ length: published - start }, (_, i) => start + 1 + i),
                );
              } finally {
                await feed.close();
              }
            },
          ),
          runs,
        );
      });

      it('property: a cursor that cannot be honoured always resets, never silently skips', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 1, max: 20 }),
            fc.integer({ min: 0, max: 60 }),
            fc.integer({ min: 0, max: 100 }),
            async (size, published, after) => {
              const feed = await feedWith(published, size);
              const r = await feed.read(after, { epoch: feed.epoch });
              await feed.close();
              const first = r.messages[0]?.seq;
              if (!r.reset && first !== undefined) assert.equal(first, after + 1);
              if (r.reset) assert.ok(after > published || after < Math.max(1, published - size + 1) - 1);
            },
          ),
          runs,
        );
      });
    });
  });
}
