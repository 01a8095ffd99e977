import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
