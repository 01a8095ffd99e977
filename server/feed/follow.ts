import type { FeedMessage, Hello } from '../../protocol/wire.ts';
import type { Feed, FeedSubscriber, ReadResult } from './feed.ts';

/** Where a followed stream goes: the streaming transports (SSE, WebSocket) implement this. */
export interface FollowSink {
  /**
   * Called first, before any message: the epoch, the cursor the stream starts after, reset.
   * Called again, with `reset: true`, when the stream cannot go on where it was (the feed lost
   * its history under it, a Redis feed's new epoch): what follows continues from that cursor.
   */
  start(hello: Hello): void;
  /** Called for every message after the latest start's cursor, in seq order, each exactly once. */
  message(message: FeedMessage): void;
  /** The feed failed to read (a remote store); the transport should close the stream. */
  error(err: Error): void;
}

export interface FollowOptions {
  after?: number;
  epoch?: string;
  /** Messages per catch-up read, written in one turn of the event loop. */
  pageSize: number;
}

/**
 * The page size of streaming catch-up: small enough that one page written to one socket is
 * a few milliseconds of work, large enough that a catch-up of the whole history is a few dozen
 * turns of the event loop.
 */
export const STREAM_PAGE = 256;

/**
 * Streams the feed to `sink` from a cursor: first the retained backlog, then live messages,
 * with no gap and no repeat at the seam. It subscribes before its first read, so a message
 * published while a read is in flight is queued, not lost. When the feed loses its history
 * (its `onReset`), the stream reads again with the epoch it had, and goes on from the reset
 * that answers. Returns the stop function.
 */
export function follow(feed: Feed, opts: FollowOptions, sink: FollowSink): () => void {
  const follower = new Follower(feed, opts, sink);
  return () => follower.stop();
}

/** A stream that can be stopped: what `startFollow` returns. */
export interface Following {
  /** Stops the stream: nothing more reaches its sink (not even the rest of a page being delivered), and its subscription ends. */
  stop(): void;
}

/**
 * `follow`, returning the stream itself rather than a stop function: for the streaming
 * transports, where one lives per client and a stop closure would cost each one a function
 * and a context.
 */
export function startFollow(feed: Feed, opts: FollowOptions, sink: FollowSink): Following {
  return new Follower(feed, opts, sink);
}

/**
 * The state of one `follow`. A class rather than closures: every WebSocket and SSE client
 * has one for as long as it is connected, and methods on a prototype cost a connection
 * nothing, where each named closure costs a function object, a context and (under tsx,
 * which keeps function names) a property store of its own.
 */
class Follower implements FeedSubscriber, Following {
  readonly #feed: Feed;
  /** Messages per history read (the options object itself is not kept: one per client). */
  readonly #pageSize: number;
  readonly #sink: FollowSink;
  #stopped = false;
  #live = false;
  #cursor = 0;
  /** The epoch the cursor belongs to, once the first read answered: every later read names it. */
  #epoch: string | undefined;
  /** The epoch the feed announced a reset to, until a read of it has been applied: not live meanwhile. */
  #awaiting: string | undefined;
  /** Live messages that arrived during a history read; made on the first (most streams never have one). */
  #pending: FeedMessage[] | undefined;

  constructor(feed: Feed, opts: FollowOptions, sink: FollowSink) {
    this.#feed = feed;
    this.#pageSize = opts.pageSize;
    this.#sink = sink;
    // The follower is its own subscriber: `message` and `reset` below.
    feed.attach(this);
    this.#guard(this.#begin(opts.after, opts.epoch));
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#dropPending();
    this.#feed.detach(this);
  }

  /** Forgets the queued live messages (emptied too: a drain in progress stops at once). */
  #dropPending(): void {
    if (this.#pending !== undefined) this.#pending.length = 0;
    this.#pending = undefined;
  }

  /** A failed read (a remote store) ends the stream through the sink, never as an unhandled rejection. */
  #guard(work: Promise<void>): void {
    work.catch((err: unknown) => {
      if (!this.#stopped) this.#sink.error(err instanceof Error ? err : new Error(String(err)));
    });
  }

  #deliver(m: FeedMessage): void {
    // A sink may stop the stream from inside a delivery (a flow pausing mid-page): once
    // stopped, a follow calls its sink no more (see `Following.stop`).
    if (this.#stopped) return;
    this.#cursor = m.seq;
    this.#sink.message(m);
  }

  /** A live message (the feed's subscriber call). */
  message(m: FeedMessage): void {
    if (this.#stopped) return;
    // Awaiting a reset, the cursor is of the old epoch: every message of the new one is kept.
    if (this.#awaiting === undefined && m.seq <= this.#cursor) return;
    if (this.#live && m.seq === this.#cursor + 1) {
      this.#deliver(m);
      return;
    }
    if (this.#pending === undefined) this.#pending = [m];
    else this.#pending.push(m);
    this.#goBack();
  }

  /** The feed lost its history (the feed's subscriber call): what was queued is of the old epoch; read again from the cursor. */
  reset(epoch: string): void {
    if (this.#stopped) return;
    this.#awaiting = epoch;
    this.#dropPending();
    this.#goBack();
  }

  /** Leaves live mode for history reads (a gap, a reset); a read already in flight carries on. */
  #goBack(): void {
    if (!this.#live) return;
    this.#live = false;
    this.#guard(this.#catchUp());
  }

  async #catchUp(): Promise<void> {
    const pageSize = this.#pageSize;
    for (;;) {
      // A turn of the event loop between pages: a reader catching up on thousands of messages
      // (a resume after a pause, many clients back after a restart) must not write them all in
      // one task, which would hold up everyone else for as long.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.#stopped) return;
      const page = await this.#feed.read(this.#cursor, { epoch: this.#epoch, limit: pageSize });
      if (this.#stopped) return;
      if (page.reset) this.#start(page, true);
      else this.#applied(page);
      for (const m of page.messages) if (m.seq === this.#cursor + 1) this.#deliver(m);
      if (page.messages.length < pageSize && this.#drainPending()) return;
    }
  }

  /** A read of `page.epoch` has been applied: a reset announced for it is done with. */
  #applied(page: ReadResult): void {
    if (page.epoch === this.#awaiting) this.#awaiting = undefined;
  }

  /** Starts (or, after a reset, restarts) the stream at the cursor before the page's messages. */
  #start(page: ReadResult, reset: boolean): void {
    this.#applied(page);
    const first = page.messages[0];
    this.#cursor = first ? first.seq - 1 : page.cursor;
    this.#epoch = page.epoch;
    this.#sink.start(
      reset ? { epoch: page.epoch, cursor: this.#cursor, reset: true } : { epoch: page.epoch, cursor: this.#cursor },
    );
  }

  /**
   * Delivers the queued live messages that continue the stream and goes live when the queue
   * empties; false if a gap remains (more history to read first) or a reset is still to be
   * read. Synchronous, so nothing can be published between the check and going live.
   */
  #drainPending(): boolean {
    const pending = this.#pending;
    if (pending !== undefined) {
      pending.sort((a, b) => a.seq - b.seq);
      while (pending.length > 0 && (pending[0]?.seq ?? 0) <= this.#cursor + 1) {
        const m = pending.shift() as FeedMessage;
        if (m.seq === this.#cursor + 1) this.#deliver(m);
      }
      // Drained: the array goes, a stream that stays live holds none.
      if (pending.length === 0 && this.#pending === pending) this.#pending = undefined;
    }
    this.#live = (this.#pending === undefined || this.#pending.length === 0) && this.#awaiting === undefined;
    return this.#live;
  }

  async #begin(after: number | undefined, epoch: string | undefined): Promise<void> {
    const pageSize = this.#pageSize;
    const first = await this.#feed.read(after, { epoch, limit: pageSize });
    if (this.#stopped) return;
    this.#start(first, first.reset);
    for (const m of first.messages) if (!this.#stopped) this.#deliver(m);
    if (this.#stopped) return;
    if (first.messages.length < pageSize && this.#drainPending()) return;
    await this.#catchUp();
  }
}
