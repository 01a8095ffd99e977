import type { FeedMessage, Source } from '../../protocol/wire.ts';

/** What a publisher hands the feed; `seq` and `ts` are the feed's to assign. */
export interface PublishInput {
  source: Source;
  body: unknown;
  /** A binary message: `body` is its bytes in base64 (see `FeedMessage.encoding`). */
  encoding?: 'base64';
  /** Client-chosen id: the same id twice within the retained window is stored once. */
  id?: string;
}

/** The outcome of a publish: the stored message, and whether it was a repeat of a known id. */
export interface PublishResult {
  message: FeedMessage;
  duplicate: boolean;
}

/**
 * The outcome of a cursor read. `reset` means the cursor could not be honoured (foreign epoch,
 * evicted, or ahead of the head) and the messages start from the oldest one still retained.
 */
export interface ReadResult {
  epoch: string;
  /** The seq of the last message returned, or where the reader now stands when none is. */
  cursor: number;
  messages: FeedMessage[];
  reset: boolean;
}

export interface ReadOptions {
  /** The epoch the reader's cursor belongs to; a different one means a reset. */
  epoch?: string;
  /** At most this many messages (the rest is read with the returned cursor). */
  limit?: number;
}

/**
 * A feed on a service (Redis) could not reach it when opened: the server does not start (the
 * message names the address and the variable, for a person; server/main.ts says it in one line).
 */
export class FeedUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedUnreachable';
  }
}

/** Hears that the feed lost its history (a new epoch): what the subscriber knew is gone. */
export type ResetListener = (epoch: string) => void;

/**
 * A subscription as one object with methods, for `Feed.attach`: what every streaming client
 * subscribes with (its follower), so a subscription costs it no closures.
 */
export interface FeedSubscriber {
  /** As `subscribe`'s listener. */
  message(message: FeedMessage): void;
  /** As `subscribe`'s `onReset`. */
  reset?(epoch: string): void;
}

/**
 * The message feed: an ordered, bounded history with an epoch, readable by cursor and
 * observable live. Async so that a shared store (Redis Streams, redis-feed.ts) can sit behind
 * the same interface; the in-memory feed resolves at once. A store that cannot answer rejects
 * `publish` and `read` with `PushraceError('FEED_UNAVAILABLE')` (HTTP 503), promptly: a
 * transport never waits on an unreachable store longer than the store's own timeout.
 */
export interface Feed {
  /**
   * Changes whenever history is lost (a restart of a memory feed, a Redis that lost its data),
   * so cursors can be checked. Synchronous (health checks and stats read it): a remote feed
   * answers the last epoch it saw, kept current by its reader and by every answer it gets.
   */
  readonly epoch: string;
  /** The seq of the newest message, 0 when none was published in this epoch (cached like `epoch`). */
  readonly head: number;
  /** Stores a message, assigning seq and ts, and notifies subscribers before resolving. */
  publish(input: PublishInput): Promise<PublishResult>;
  /** Reads by cursor: `after` undefined is live from now, 0 is everything retained. */
  read(after: number | undefined, opts?: ReadOptions): Promise<ReadResult>;
  /**
   * What `read` would resolve to, answered at once, by a feed that holds its history in this
   * process (the memory feed); absent on a remote one (Redis), whose readers use `read`. Lets
   * the interval poll, answered a thousand times a second, skip a promise and a turn of the
   * microtask queue per request.
   */
  readSync?(after: number | undefined, opts?: ReadOptions): ReadResult;
  /**
   * Calls `listener` synchronously for every message stored from now on, in seq order, and
   * `onReset` when the epoch changes under the subscription (history lost while it listened:
   * only a shared store's can be, a memory feed's epoch lives as long as the feed). After a
   * reset the listener hears the new epoch's messages; a reader of the old cursor must read
   * again with its old epoch, which answers `reset`. Returns the unsubscribe function; a
   * transport must call it when its client goes away.
   */
  subscribe(listener: (message: FeedMessage) => void, onReset?: ResetListener): () => void;
  /**
   * `subscribe` for a subscriber object, called as `subscriber.message(m)` and
   * `subscriber.reset(epoch)`: one lives per streaming client (thousands), and this costs it
   * neither listener closures nor an unsubscribe function. Attach an object once; `detach`
   * ends the subscription.
   */
  attach(subscriber: FeedSubscriber): void;
  /** Ends a subscription made by `attach`. */
  detach(subscriber: FeedSubscriber): void;
  /**
   * Whether the feed answered its last request (a memory feed always does; a Redis feed not
   * while Redis is down): what `/healthz` reports, so a load balancer can tell.
   */
  readonly available: boolean;
  /** Number of live subscriptions: a leak check for tests and stats. */
  readonly subscribers: number;
  /**
   * Releases what the feed holds (a Redis feed's reader and connections; nothing for a memory
   * feed). Whoever created the feed calls it once, after the transports that use it are
   * closed; publishes and reads after it reject.
   */
  close(): Promise<void>;
}
