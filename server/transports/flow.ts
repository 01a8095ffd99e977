import type { FeedMessage, Hello } from '../../protocol/wire.ts';
import type { Feed } from '../feed/feed.ts';
import { follow } from '../feed/follow.ts';

/** What a flow-controlled stream writes to, and how it learns how much is still queued. */
export interface FlowSink {
  /** The stream's start (first: always; on a resume: only when it is a reset). */
  start(hello: Hello, first: boolean): void;
  /** Writes one message; returns nothing, the queue is read back through `queued`. */
  message(message: FeedMessage): void;
  /** Bytes written but not yet handed to the kernel (WS `bufferedAmount`, SSE queues). */
  queued(): number;
  /** The reader stayed above the bound for `stallMs`: close the stream. */
  stalled(): void;
  /** The feed failed. */
  error(err: Error): void;
  /** The stream paused on a full buffer (for metrics). */
  paused?(): void;
}

export interface FlowOptions {
  after?: number;
  epoch?: string;
  pageSize: number;
  /** Queued bytes above which the stream pauses. */
  bound: number;
  /** How long a paused stream may stay full before `stalled`. */
  stallMs: number;
  /** How often a paused stream checks whether it drained. */
  checkMs?: number;
}

/**
 * `follow()` with a bounded send buffer. When a write leaves more than `bound` bytes queued,
 * the stream stops following the feed (so nothing more is queued: memory per connection is
 * at most the bound plus one message) and remembers its cursor. When the queue has drained it
 * follows again from that cursor, so a slow but live reader gets every message, in order,
 * from the feed's history (or a reset if it fell out of it). A reader that stays full for
 * `stallMs` is stalled: the transport closes it. Returns the stop function.
 */
export function flowFollow(feed: Feed, opts: FlowOptions, sink: FlowSink): () => void {
  let stopped = false;
  let cursor: number | undefined = opts.after;
  let epoch: string | undefined = opts.epoch;
  let unfollow: (() => void) | undefined;
  let check: ReturnType<typeof setInterval> | undefined;
  let pausedAt = 0;

  const run = (first: boolean) => {
    let active = true;
    const stop = follow(
      feed,
      { after: cursor, epoch, pageSize: opts.pageSize },
      {
        start(hello) {
          if (!active) return;
          epoch = hello.epoch;
          cursor = hello.cursor;
          if (first || hello.reset) sink.start(hello, first);
        },
        message(m) {
          // follow may finish a catch-up page after it was stopped: ignore what comes then.
          if (!active) return;
          sink.message(m);
          cursor = m.seq;
          if (sink.queued() > opts.bound) pause();
        },
        error(err) {
          if (active) sink.error(err);
        },
      },
    );
    unfollow = () => {
      active = false;
      stop();
    };
  };

  const pause = () => {
    unfollow?.();
    unfollow = undefined;
    pausedAt = Date.now();
    sink.paused?.();
    check = setInterval(
      () => {
        if (stopped) return;
        if (sink.queued() === 0) {
          clearInterval(check);
          check = undefined;
          run(false);
        } else if (Date.now() - pausedAt >= opts.stallMs) {
          clearInterval(check);
          check = undefined;
          sink.stalled();
        }
      },
      opts.checkMs ?? Math.max(5, Math.min(50, opts.stallMs / 4)),
    );
    check.unref();
  };

  run(true);
  return () => {
    stopped = true;
    if (check) clearInterval(check);
    unfollow?.();
  };
}
