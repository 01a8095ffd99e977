import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryFeed } from '../../server/feed/memory-feed.ts';
import { feedContract } from '../support/feed-contract.ts';

feedContract({ name: 'MemoryFeed', make: async (opts) => new MemoryFeed(opts), numRuns: 100 });

const chat = (body: string) => ({ source: 'chat' as const, body });

describe('MemoryFeed', () => {
  it('refuses a history of less than one message', () => {
    assert.throws(() => new MemoryFeed({ historySize: 0 }), RangeError);
  });

  it('has a new epoch on every start, or the one it is given', () => {
    assert.notEqual(new MemoryFeed({ historySize: 1 }).epoch, new MemoryFeed({ historySize: 1 }).epoch);
    assert.equal(new MemoryFeed({ historySize: 1, epoch: 'E1' }).epoch, 'E1');
  });

  it('stamps ts with the injected clock', () => {
    const feed = new MemoryFeed({ historySize: 2, clock: () => 1234.5 });
    assert.equal(feed.publishSync(chat('a')).message.ts, 1234.5);
  });

  it('#publishSync notifies subscribers synchronously; #readSync answers what #read does', async () => {
    const feed = new MemoryFeed({ historySize: 3, epoch: 'E1' });
    const seen: number[] = [];
    feed.subscribe((m) => seen.push(m.seq));
    for (const body of ['a', 'b', 'c', 'd']) feed.publishSync(chat(body));
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.equal(feed.oldest, 2);
    assert.deepEqual(feed.readSync(1, { limit: 2 }), await feed.read(1, { limit: 2 }));
  });
});
