import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { FeedMessage } from '../../protocol/wire.ts';
import type { Feed, FeedSubscriber, PublishInput, PublishResult, ReadOptions, ReadResult } from './feed.ts';
import { Listeners } from './listeners.ts';

/** A new epoch id: 8 url-safe characters, new on every process start. */
export function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}

/** Publish time with sub-ms precision on the Unix-epoch scale, comparable across processes. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export interface MemoryFeedOptions {
  historySize: number;
  epoch?: string;
  /** Clock, injectable for tests. */
  clock?: () => number;
  /** Where a subscriber's exception goes; it must not stop the others nor fail the publish. */
  onListenerError?: (err: unknown) => void;
}

/**
 * The in-memory feed: a ring buffer of the last `historySize` messages. Its epoch is new on
 * every start, since its history does not survive one.
 */
export class MemoryFeed implements Feed {
  readonly epoch: string;
  #head = 0;
  readonly #ring: Array<FeedMessage | undefined>;
  readonly #capacity: number;
  /** client id → seq, for messages still retained; the id of ring slot i is #ids[i]. */
  readonly #byId = new Map<string, number>();
  readonly #ids: Array<string | undefined>;
  readonly #listeners: Listeners;
  readonly #clock: () => number;

  constructor(opts: MemoryFeedOptions) {
    if (!Number.isInteger(opts.historySize) || opts.historySize < 1) {
      throw new RangeError('historySize must be a positive integer');
    }
    this.epoch = opts.epoch ?? newEpoch();
    this.#capacity = opts.historySize;
    this.#ring = new Array(opts.historySize);
    this.#ids = new Array(opts.historySize);
    this.#clock = opts.clock ?? now;
    this.#listeners = new Listeners(opts.onListenerError);
  }

  get head(): number {
    return this.#head;
  }

  /** The oldest seq still retained (head + 1 when empty). */
  get oldest(): number {
    return Math.max(1, this.#head - this.#capacity + 1);
  }

  /** Always: nothing stands between this feed and its callers. */
  get available(): boolean {
    return true;
  }

  get subscribers(): number {
    return this.#listeners.size;
  }

  publish(input: PublishInput): Promise<PublishResult> {
    return Promise.resolve(this.publishSync(input));
  }

  /** The synchronous core of publish, for sources and tests that need no promise. */
  publishSync(input: PublishInput): PublishResult {
    if (input.id !== undefined) {
      const seq = this.#byId.get(input.id);
      if (seq !== undefined) {
        const known = this.#at(seq);
        if (known) return { message: known, duplicate: true };
      }
    }
    const seq = this.#head + 1;
    const message: FeedMessage = { seq, ts: this.#clock(), source: input.source, body: input.body };
    if (input.encoding !== undefined) message.encoding = input.encoding;
    const slot = seq % this.#capacity;
    const evictedId = this.#ids[slot];
    if (evictedId !== undefined) this.#byId.delete(evictedId);
    this.#ring[slot] = message;
    this.#ids[slot] = input.id;
    if (input.id !== undefined) this.#byId.set(input.id, seq);
    this.#head = seq;
    this.#listeners.message(message);
    return { message, duplicate: false };
  }

  read(after: number | undefined, opts: ReadOptions = {}): Promise<ReadResult> {
    return Promise.resolve(this.readSync(after, opts));
  }

  /** The synchronous core of read. */
  readSync(after: number | undefined, opts: ReadOptions = {}): ReadResult {
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    if (after === undefined) return { epoch: this.epoch, cursor: this.#head, messages: [], reset: false };
    const oldest = this.oldest;
    const foreign = opts.epoch !== undefined && opts.epoch !== this.epoch;
    // after = oldest - 1 is fine: the next message the client needs is still here.
    const evicted = after < oldest - 1;
    const ahead = after > this.#head;
    const reset = foreign || evicted || ahead;
    const from = reset ? oldest : after + 1;
    const to = Math.min(this.#head, from + limit - 1);
    const messages: FeedMessage[] = [];
    for (let seq = from; seq <= to; seq++) {
      const m = this.#at(seq);
      if (m) messages.push(m);
    }
    const cursor = messages.length > 0 ? to : reset ? from - 1 : after;
    return { epoch: this.epoch, cursor, messages, reset };
  }

  /** A memory feed never loses its history while it exists: `onReset` is never called. */
  subscribe(listener: (message: FeedMessage) => void): () => void {
    return this.#listeners.add(listener);
  }
  /** As `subscribe`; `reset` is never called either. */
  attach(subscriber: FeedSubscriber): void {
    this.#listeners.attach(subscriber);
  }

  detach(subscriber: FeedSubscriber): void {
    this.#listeners.detach(subscriber);
  }

  /** Nothing to release: the history is garbage once the feed is. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  #at(seq: number): FeedMessage | undefined {
    if (seq < this.oldest || seq > this.#head) return undefined;
    return this.#ring[seq % this.#capacity];
  }
}
