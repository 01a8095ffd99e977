import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeedMessage, Hello } from '../../protocol/wire.ts';
import type {
  Feed,
  FeedSubscriber,
  PublishInput,
  ReadOptions,
  ReadResult,
  ResetListener,
} from '../../server/feed/feed.ts';
import { follow } from '../../server/feed/follow.ts';
import { Listeners } from '../../server/feed/listeners.ts';
import { MemoryFeed } from '../../server/feed/memory-feed.ts';

/** A memory feed whose reads resolve only when the test says so, to open the race window. */
class SlowFeed implements Feed {
  readonly inner = new MemoryFeed({ historySize: 100, epoch: 'E' });
  readonly gates: Array<() => void> = [];
  get epoch() {
    return this.inner.epoch;
  }
  get head() {
    return this.inner.head;
  }
  get available() {
    return true;
  }
  get subscribers() {
    return this.inner.subscribers;
  }
  publish(input: Parameters<Feed['publish']>[0]) {
    return this.inner.publish(input);
  }
  subscribe(l: (m: FeedMessage) => void) {
    return this.inner.subscribe(l);
  }
  attach(s: FeedSubscriber) {
    this.inner.attach(s);
  }
  detach(s: FeedSubscriber) {
    this.inner.detach(s);
  }
  close() {
    return this.inner.close();
  }
  read(after: number | undefined, opts?: ReadOptions): Promise<ReadResult> {
    const result = this.inner.readSync(after, opts);
    return new Promise((resolve) => this.gates.push(() => resolve(result)));
  }
}

/**
 * A feed that can lose its history, as a Redis feed does when Redis comes back empty: `lose`
 * starts a new epoch and tells the subscribers (`onReset`); `failReads` makes reads reject.
 */
class LosingFeed implements Feed {
  inner = new MemoryFeed({ historySize: 100, epoch: 'E1' });
  failReads = false;
  readonly #listeners = new Listeners();
  #off = this.inner.subscribe((m) => this.#listeners.message(m));
  get epoch() {
    return this.inner.epoch;
  }
  get head() {
    return this.inner.head;
  }
  get available() {
    return true;
  }
  get subscribers() {
    return this.#listeners.size;
  }
  lose(epoch: string) {
    this.#off();
    this.inner = new MemoryFeed({ historySize: 100, epoch });
    this.#off = this.inner.subscribe((m) => this.#listeners.message(m));
    this.#listeners.reset(epoch);
  }
  publish(input: PublishInput) {
    return this.inner.publish(input);
  }
  read(after: number | undefined, opts?: ReadOptions): Promise<ReadResult> {
    return this.failReads ? Promise.reject(new Error('store down')) : this.inner.read(after, opts);
  }
  subscribe(l: (m: FeedMessage) => void, onReset?: ResetListener) {
    return this.#listeners.add(l, onReset);
  }
  attach(s: FeedSubscriber) {
    this.#listeners.attach(s);
  }
  detach(s: FeedSubscriber) {
    this.#listeners.detach(s);
  }
  close() {
    return Promise.resolve();
  }
}

const chat = (body: string) => ({ source: 'chat' as const, body });

function collect(feed: Feed, after: number | undefined, pageSize = 1000) {
  const seqs: number[] = [];
  const hellos: Hello[] = [];
  const stop = follow(
    feed,
    { after, pageSize },
    { start: (h) => hellos.push(h), message: (m) => seqs.push(m.seq), error: (e) => assert.fail(e) },
  );
  return { seqs, hellos, stop };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('follow', () => {
  it('delivers the backlog then live messages, each once', async () => {
    const feed = new MemoryFeed({ historySize: 100, epoch: 'E' });
    for (let i = 0; i < 3; i++) feed.publishSync(chat('x'));
    const { seqs, hellos, stop } = collect(feed, 1);
    await tick();
    feed.publishSync(chat('y'));
    assert.deepEqual(hellos, [{ epoch: 'E', cursor: 1 }]);
    assert.deepEqual(seqs, [2, 3, 4]);
    stop();
    feed.publishSync(chat('z'));
    assert.deepEqual(seqs, [2, 3, 4]);
    assert.equal(feed.subscribers, 0);
  });

  it('calls its sink no more once stopped, even in the middle of a page', async () => {
    const feed = new MemoryFeed({ historySize: 100, epoch: 'E' });
    for (let i = 0; i < 5; i++) feed.publishSync(chat('x'));
    const seqs: number[] = [];
    const stop = follow(
      feed,
      { after: 0, pageSize: 1000 },
      {
        start: () => {},
        message: (m) => {
          seqs.push(m.seq);
          if (m.seq === 2) stop();
        },
        error: (e) => assert.fail(e),
      },
    );
    await tick();
    feed.publishSync(chat('y'));
    assert.deepEqual(seqs, [1, 2]);
    assert.equal(feed.subscribers, 0);
  });

  it('does not lose or repeat a message published while the first read is in flight', async () => {
    const feed = new SlowFeed();
    feed.inner.publishSync(chat('a'));
    const { seqs } = collect(feed, 0);
    feed.inner.publishSync(chat('b')); // after the read was taken, before it resolved
    feed.gates.shift()?.();
    await tick();
    feed.inner.publishSync(chat('c'));
    assert.deepEqual(seqs, [1, 2, 3]);
  });

  it('pages through a backlog larger than one read, with publishes in between', async () => {
    const feed = new SlowFeed();
    for (let i = 0; i < 7; i++) feed.inner.publishSync(chat('a'));
    const { seqs } = collect(feed, 0, 3);
    // Catch-up reads go out one turn of the event loop apart: wait for each before opening it.
    const nextGate = async () => {
      for (let i = 0; i < 100 && feed.gates.length === 0; i++) await new Promise((r) => setImmediate(r));
      return feed.gates.shift();
    };
    for (let round = 0; round < 10; round++) {
      feed.inner.publishSync(chat('during'));
      const gate = await nextGate();
      if (!gate) break;
      gate();
      await tick();
    }
    feed.inner.publishSync(chat('live'));
    assert.deepEqual(
      seqs,
      Array.from({ length: feed.inner.head }, (_, i) => i + 1),
    );
  });

  it('starts live from the head when after is absent', async () => {
    const feed = new MemoryFeed({ historySize: 10, epoch: 'E' });
    feed.publishSync(chat('old'));
    const { seqs, hellos } = collect(feed, undefined);
    await tick();
    feed.publishSync(chat('new'));
    assert.deepEqual(hellos, [{ epoch: 'E', cursor: 1 }]);
    assert.deepEqual(seqs, [2]);
  });

  it('says reset in its hello when the cursor cannot be honoured', async () => {
    const feed = new MemoryFeed({ historySize: 2, epoch: 'E' });
    for (let i = 0; i < 5; i++) feed.publishSync(chat('x'));
    const { seqs, hellos } = collect(feed, 1);
    await tick();
    assert.deepEqual(hellos, [{ epoch: 'E', cursor: 3, reset: true }]);
    assert.deepEqual(seqs, [4, 5]);
  });

  it('restarts with a reset hello when the feed loses its history under a live stream, then goes on', async () => {
    const feed = new LosingFeed();
    for (let i = 0; i < 3; i++) feed.inner.publishSync(chat('old'));
    const { seqs, hellos } = collect(feed, 1);
    await tick();
    assert.deepEqual(seqs, [2, 3]);
    feed.lose('E2');
    await tick();
    await tick();
    // Told at once, before any message of the new epoch: the client knows where it stands.
    assert.deepEqual(hellos, [
      { epoch: 'E1', cursor: 1 },
      { epoch: 'E2', cursor: 0, reset: true },
    ]);
    feed.inner.publishSync(chat('new 1'));
    feed.inner.publishSync(chat('new 2'));
    assert.deepEqual(seqs, [2, 3, 1, 2], 'the new epoch from its first message, in order, once');
    assert.equal(hellos.length, 2, 'one reset');
  });

  it('does not take messages of a new epoch for old ones while the reset is being read', async () => {
    const feed = new LosingFeed();
    for (let i = 0; i < 5; i++) feed.inner.publishSync(chat('old'));
    const { seqs, hellos } = collect(feed, 0);
    await tick();
    feed.lose('E2');
    // Published before the reset's read: seq 1 and 2 are below the old cursor 5, yet new.
    feed.inner.publishSync(chat('new 1'));
    feed.inner.publishSync(chat('new 2'));
    await tick();
    await tick();
    feed.inner.publishSync(chat('new 3'));
    assert.deepEqual(seqs, [1, 2, 3, 4, 5, 1, 2, 3]);
    assert.deepEqual(hellos[1], { epoch: 'E2', cursor: 0, reset: true });
  });

  it('ends the stream through the sink when a catch-up read fails, never as an unhandled rejection', async () => {
    const feed = new LosingFeed();
    const errors: Error[] = [];
    follow(feed, { after: 0, pageSize: 10 }, { start: () => {}, message: () => {}, error: (e) => errors.push(e) });
    await tick();
    feed.failReads = true;
    feed.lose('E2');
    await tick();
    await tick();
    assert.deepEqual(
      errors.map((e) => e.message),
      ['store down'],
    );
  });
});
