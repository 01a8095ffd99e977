import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Feed } from '../../server/feed/feed.ts';
import { MemoryFeed } from '../../server/feed/memory-feed.ts';
import { SharedReads } from '../../server/transports/long-poll/shared-reads.ts';

describe('SharedReads', () => {
  const feed = new MemoryFeed({ historySize: 10, epoch: 'e1' });
  for (let i = 1; i <= 3; i++) feed.publishSync({ source: 'bench', body: i });

  it('shares one read between identical requests of the same generation', () => {
    const reads = new SharedReads(feed);
    assert.equal(reads.read(1, 'e1', 10, 7), reads.read(1, 'e1', 10, 7));
    assert.notEqual(reads.read(1, 'e1', 10, 7), reads.read(1, 'e1', 10, 8), 'a new generation reads again');
  });

  it('never lets a request without an epoch share the read of `epoch=undefined` (a valid epoch string)', async () => {
    const reads = new SharedReads(feed);
    const foreign = await reads.read(1, 'undefined', 10, 1);
    const none = await reads.read(1, undefined, 10, 1);
    assert.equal(foreign.reset, true);
    assert.equal(none.reset, false);
    assert.deepEqual(
      none.messages.map((m) => m.seq),
      [2, 3],
    );
  });

  it('reads a memory feed at once: one result per key and generation, what read resolves to', async () => {
    const reads = new SharedReads(feed);
    const now = reads.readNow(1, 'e1', 10, 3);
    assert.ok(now);
    assert.equal(reads.readNow(1, 'e1', 10, 3), now, 'shared within a generation');
    assert.deepEqual(await reads.read(1, 'e1', 10, 3), now);
    assert.notEqual(reads.readNow(1, 'e1', 10, 4), now, 'a new generation reads again');
    assert.notEqual(reads.readNow(1, undefined, 10, 4), reads.readNow(1, 'undefined', 10, 4));
    assert.deepEqual(
      reads.readNow(2, 'e1', 1, 4)?.messages.map((m) => m.seq),
      [3],
    );
  });

  it('answers nothing at once from a feed without readSync (the caller awaits read)', async () => {
    // The memory feed without its readSync, as a Redis feed has none.
    const remote: Feed = new Proxy(feed, {
      get(target, name) {
        if (name === 'readSync') return undefined;
        const value: unknown = Reflect.get(target, name, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const reads = new SharedReads(remote);
    assert.equal(reads.readNow(1, 'e1', 10, 1), undefined);
    assert.deepEqual(
      (await reads.read(1, 'e1', 10, 1)).messages.map((m) => m.seq),
      [2, 3],
    );
  });
});
