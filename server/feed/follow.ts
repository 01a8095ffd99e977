import type { FeedMessage, Hello } from '../../protocol/wire.ts';
import type { Feed } from './feed.ts';

/** Where a followed stream goes: the streaming transports (SSE, WebSocket) implement this. */
export interface FollowSink {
  /** Called once, before any message: the epoch, the cursor the stream starts after, reset. */
  start(hello: Hello): void;
  /** Called for every message after the start cursor, in seq order, each exactly once. */
  message(message: FeedMessage): void;
  /** The feed failed to read (a remote store); the transport should close the stream. */
  error(err: Error): void;
}

export interface FollowOptions {
  after?: number;
  epoch?: string;
  /** Messages per catch-up read. */
  pageSize: number;
}

/**
 * Streams the feed to `sink` from a cursor: first the retained backlog, then live messages,
 * with no gap and no repeat at the seam. It subscribes before its first read, so a message
 * published while a read is in flight is queued, not lost. Returns the stop function.
 */
export function follow(feed: Feed, opts: FollowOptions, sink: FollowSink): () => void {
  let stopped = false;
  let live = false;
  let cursor = 0;
  const pending: FeedMessage[] = [];

  const deliver = (m: FeedMessage) => {
    cursor = m.seq;
    sink.message(m);
  };

  const unsubscribe = feed.subscribe((m) => {
    if (stopped || m.seq <= cursor) return;
    if (live && m.seq === cursor + 1) return deliver(m);
    pending.push(m);
    if (live) {
      // A gap in a live stream (a store that reorders); fill it from history.
      live = false;
      void catchUp();
    }
  });

  const catchUp = async (): Promise<void> => {
    for (;;) {
      const page = await feed.read(cursor, { epoch: feed.epoch, limit: opts.pageSize });
      if (stopped) return;
      for (const m of page.messages) if (m.seq === cursor + 1) deliver(m);
      if (page.messages.length < opts.pageSize && drainPending()) return;
    }
  };

  /**
   * Delivers the queued live messages that continue the stream and goes live when the queue
   * empties; false if a gap remains (more history to read first). Synchronous, so nothing
   * can be published between the check and going live.
   */
  const drainPending = (): boolean => {
    pending.sort((a, b) => a.seq - b.seq);
    while (pending.length > 0 && (pending[0]?.seq ?? 0) <= cursor + 1) {
      const m = pending.shift() as FeedMessage;
      if (m.seq === cursor + 1) deliver(m);
    }
    live = pending.length === 0;
    return live;
  };

  const begin = async () => {
    const first = await feed.read(opts.after, { epoch: opts.epoch, limit: opts.pageSize });
    if (stopped) return;
    const startCursor = first.messages[0] ? first.messages[0].seq - 1 : first.cursor;
    cursor = startCursor;
    sink.start(
      first.reset
        ? { epoch: first.epoch, cursor: startCursor, reset: true }
        : { epoch: first.epoch, cursor: startCursor },
    );
    for (const m of first.messages) if (!stopped) deliver(m);
    if (stopped) return;
    if (first.messages.length < opts.pageSize && drainPending()) return;
    await catchUp();
  };

  begin().catch((err: unknown) => {
    if (!stopped) sink.error(err instanceof Error ? err : new Error(String(err)));
  });

  return () => {
    stopped = true;
    pending.length = 0;
    unsubscribe();
  };
}
