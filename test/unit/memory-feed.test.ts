import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MemoryFeed } from '../../server/feed/memory-feed.ts';

const chat = (body: string, id?: string) => ({ source: 'chat' as const, body, ...(id ? { id } : {}) });

function feedWith(n: number, historySize = 10) {
  const feed = new MemoryFeed({ historySize, epoch: 'E1' });
  for (let i = 1; i <= n; i++) feed.publishSync(chat(`m${i}`));
  return feed;
}

describe('MemoryFeed', () => {
  describe('#publish', () => {
    it('assigns seq strictly +1 from 1 and a sub-ms ts on the Unix-epoch scale', async () => {
      const feed = new MemoryFeed({ historySize: 5 });
      const a = await feed.publish(chat('a'));
      const b = await feed.publish(chat('b'));
      assert.equal(a.message.seq, 1);
      assert.equal(b.message.seq, 2);
      assert.ok(Math.abs(a.message.ts - Date.now()) < 1000);
      assert.ok(b.message.ts >= a.message.ts);
      assert.notEqual(Math.round(a.message.ts * 1000) % 1000, undefined);
      assert.equal(feed.head, 2);
    });

    it('stores the same client id once and answers the first seq', async () => {
      const feed = new MemoryFeed({ historySize: 5 });
      const first = await feed.publish(chat('hello', 'x1'));
      const again = await feed.publish(chat('hello again', 'x1'));
      assert.equal(again.duplicate, true);
      assert.equal(again.message.seq, first.message.seq);
      assert.equal(again.message.body, 'hello');
      assert.equal(feed.head, 1);
    });

    it('forgets an id once its message is evicted, so the id can be used again', () => {
      const feed = new MemoryFeed({ historySize: 2 });
      feed.publishSync(chat('a', 'x'));
      feed.publishSync(chat('b'));
      feed.publishSync(chat('c'));
      const r = feed.publishSync(chat('a2', 'x'));
      assert.equal(r.duplicate, false);
      assert.equal(r.message.seq, 4);
    });

    it('notifies subscribers synchronously, in order, and stops after unsubscribe', () => {
      const feed = new MemoryFeed({ historySize: 5 });
      const seen: number[] = [];
      const off = feed.subscribe((m) => seen.push(m.seq));
      feed.publishSync(chat('a'));
      assert.deepEqual(seen, [1]);
      feed.publishSync(chat('b'));
      off();
      feed.publishSync(chat('c'));
      assert.deepEqual(seen, [1, 2]);
      assert.equal(feed.subscribers, 0);
    });

    it('keeps notifying the others when one subscriber throws, and reports the error', () => {
      const errors: unknown[] = [];
      const feed = new MemoryFeed({ historySize: 5, onListenerError: (e) => errors.push(e) });
      const seen: number[] = [];
      feed.subscribe(() => {
        throw new Error('broken subscriber');
      });
      feed.subscribe((m) => seen.push(m.seq));
      const r = feed.publishSync(chat('a'));
      assert.equal(r.message.seq, 1);
      assert.deepEqual(seen, [1]);
      assert.match(String(errors[0]), /broken subscriber/);
    });
  });

  describe('#read', () => {
    it('after absent: live from now, nothing old', () => {
      const r = feedWith(3).readSync(undefined);
      assert.deepEqual(r, { epoch: 'E1', cursor: 3, messages: [], reset: false });
    });

    it('after=0: everything retained', () => {
      const r = feedWith(3).readSync(0);
      assert.deepEqual(
        r.messages.map((m) => m.seq),
        [1, 2, 3],
      );
      assert.equal(r.cursor, 3);
      assert.equal(r.reset, false);
    });

    it('after=N: only seq > N; cursor stays N when there is nothing new', () => {
      const feed = feedWith(5);
      assert.deepEqual(
        feed.readSync(3).messages.map((m) => m.seq),
        [4, 5],
      );
      assert.deepEqual(feed.readSync(5), { epoch: 'E1', cursor: 5, messages: [], reset: false });
    });

    it('honours limit and returns the cursor of the last message given', () => {
      const r = feedWith(8).readSync(2, { limit: 3 });
      assert.deepEqual(
        r.messages.map((m) => m.seq),
        [3, 4, 5],
      );
      assert.equal(r.cursor, 5);
    });

    it('resets on a foreign epoch, from the oldest retained', () => {
      const r = feedWith(12, 10).readSync(11, { epoch: 'OTHER' });
      assert.equal(r.reset, true);
      assert.deepEqual(r.messages[0]?.seq, 3);
      assert.equal(r.cursor, 12);
    });

    it('resets when the cursor was evicted, but not at exactly oldest − 1', () => {
      const feed = feedWith(15, 10); // retains 6..15
      assert.equal(feed.readSync(5).reset, false);
      assert.equal(feed.readSync(5).messages[0]?.seq, 6);
      const r = feed.readSync(4);
      assert.equal(r.reset, true);
      assert.equal(r.messages[0]?.seq, 6);
    });

    it('resets when the cursor is ahead of the head', () => {
      const r = feedWith(3).readSync(9, { epoch: 'E1' });
      assert.equal(r.reset, true);
      assert.deepEqual(
        r.messages.map((m) => m.seq),
        [1, 2, 3],
      );
    });

    it('a reset on an empty feed puts the cursor at 0', () => {
      const r = new MemoryFeed({ historySize: 3, epoch: 'E1' }).readSync(7);
      assert.deepEqual(r, { epoch: 'E1', cursor: 0, messages: [], reset: true });
    });

    it('property: reading page by page from any retained cursor gives every later seq once, in order', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 0, max: 120 }),
          fc.integer({ min: 1, max: 15 }),
          fc.nat(),
          (size, published, limit, pick) => {
            const feed = feedWith(published, size);
            const oldest = Math.max(1, published - size + 1);
            const start = oldest - 1 + (pick % (published - oldest + 2));
            const got: number[] = [];
            let cursor = start;
            for (;;) {
              const r = feed.readSync(cursor, { epoch: 'E1', limit });
              assert.equal(r.reset, false);
              got.push(...r.messages.map((m) => m.seq));
              if (r.messages.length === 0) break;
              cursor = r.cursor;
            }
            const want = Array.from({ length: published - start }, (_, i) => start + 1 + i);
            assert.deepEqual(got, want);
          },
        ),
      );
    });

    it('property: a cursor that cannot be honoured always resets, never silently skips', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 20 }),
          fc.integer({ min: 0, max: 60 }),
          fc.integer({ min: 0, max: 100 }),
          (size, published, after) => {
            const feed = feedWith(published, size);
            const r = feed.readSync(after, { epoch: 'E1' });
            const first = r.messages[0]?.seq;
            if (!r.reset && first !== undefined) assert.equal(first, after + 1);
            if (r.reset) assert.ok(after > published || after < Math.max(1, published - size + 1) - 1);
          },
        ),
      );
    });
  });
});
