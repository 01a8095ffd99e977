import type { FeedMessage } from '../../protocol/wire.ts';
import type { FeedSubscriber, ResetListener } from './feed.ts';

/**
 * The local subscriptions of a feed, shared by every feed so that each notifies the same way:
 * synchronously, in subscription order, and a subscriber that throws neither stops the others
 * nor fails the publish (its error goes to `onError`).
 */
export class Listeners {
  readonly #subscriptions = new Set<FeedSubscriber>();
  readonly #onError: (err: unknown) => void;

  constructor(onError: (err: unknown) => void = (err) => console.error('pushrace: feed subscriber failed', err)) {
    this.#onError = onError;
  }

  get size(): number {
    return this.#subscriptions.size;
  }

  /** Adds a subscription (the same function twice is two); returns its removal. */
  add(message: (m: FeedMessage) => void, reset?: ResetListener): () => void {
    const subscription: FeedSubscriber = reset === undefined ? { message } : { message, reset };
    this.attach(subscription);
    return () => this.detach(subscription);
  }

  /** Adds a subscriber object as it is (see `Feed.attach`): no wrapper, no removal closure. */
  attach(subscriber: FeedSubscriber): void {
    this.#subscriptions.add(subscriber);
  }

  /** Removes a subscriber added by `attach`. */
  detach(subscriber: FeedSubscriber): void {
    this.#subscriptions.delete(subscriber);
  }

  /** Tells every subscriber about `m`. */
  message(m: FeedMessage): void {
    for (const s of this.#subscriptions) {
      try {
        s.message(m);
      } catch (err) {
        this.#onError(err);
      }
    }
  }

  /** Tells every subscriber that asked that the feed is now at `epoch`, its history lost. */
  reset(epoch: string): void {
    for (const s of this.#subscriptions) {
      try {
        s.reset?.(epoch);
      } catch (err) {
        this.#onError(err);
      }
    }
  }
}
