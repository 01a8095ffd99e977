import type { Feed } from '../../feed/feed.ts';

/** What waits for the next publish. `published` must not throw. */
export interface Waiter {
  published(): void;
}

/**
 * One feed subscription shared by every long-poll request, instead of one per request. At
 * 10 000 held requests a publish then walks one set of wake-up functions instead of 10 000
 * feed listeners, and a held request costs a set entry instead of a subscription of its own.
 *
 * `generation` counts the publishes seen: a request takes it before reading the feed and
 * compares after, which is what subscribing before the read did (a message published while
 * the read is in flight is noticed, not missed). The subscription exists only while some
 * request uses the signal (`acquire`/`release`), so `feed.subscribers` still falls to 0 when
 * no long-poll is open.
 */
export class PublishSignal {
  readonly #feed: Feed;
  #waiters = new Set<Waiter>();
  #users = 0;
  #generation = 0;
  #unsubscribe: (() => void) | undefined;

  constructor(feed: Feed) {
    this.#feed = feed;
  }

  /**
   * Moves on every publish while subscribed, on every new subscription, and when the feed
   * loses its history (a Redis feed's new epoch, which changes what a read answers without
   * any publish): two equal readings taken while the signal is held mean the feed answers
   * reads as it did.
   */
  get generation(): number {
    return this.#generation;
  }

  /**
   * A request starts using the signal (before its first read). A new subscription also moves
   * the generation: publishes made while nobody was subscribed went uncounted, so nothing
   * remembered from before (see `SharedReads`) may be taken as current.
   */
  acquire(): void {
    if (this.#users++ > 0) return;
    this.#generation++;
    // A reset wakes the held requests too: their cursors now need a `reset` answer, at once.
    this.#unsubscribe = this.#feed.subscribe(
      () => this.#publish(),
      () => this.#publish(),
    );
  }

  /** The request is done with it; the last one out unsubscribes from the feed. */
  release(): void {
    if (--this.#users > 0) return;
    this.#users = 0;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Tells `waiter` once, at the next publish. */
  wait(waiter: Waiter): void {
    this.#waiters.add(waiter);
  }

  /** Forgets a `wait` that is no longer wanted (timeout, client gone). */
  cancel(waiter: Waiter): void {
    this.#waiters.delete(waiter);
  }

  #publish(): void {
    this.#generation++;
    if (this.#waiters.size === 0) return;
    // A fresh set first: a woken request that waits again waits for the next publish.
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const waiter of waiters) waiter.published();
  }
}
