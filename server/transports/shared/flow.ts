import type { FeedMessage, Hello } from '../../../protocol/wire.ts';
import type { Feed } from '../../feed/feed.ts';
import { type Following, type FollowSink, STREAM_PAGE, startFollow } from '../../feed/follow.ts';
import type { BudgetHolder, SendBudget } from './send-budget.ts';

/** What a flow-controlled stream writes to, and how it learns how much is still queued. */
export interface FlowSink {
  /** The stream's start (first: always; on a resume: only when it is a reset). */
  start(hello: Hello, first: boolean): void;
  /** Writes one message; returns nothing, the queue is read back through `queued`. */
  message(message: FeedMessage): void;
  /** Bytes written but not yet handed to the kernel (WS `bufferedAmount`, SSE queues). */
  queued(): number;
  /** The reader stayed above the bound for `stallMs`, or the send budget needs its memory: close the stream. */
  stalled(): void;
  /** The feed failed. */
  error(err: Error): void;
  /** The stream paused on a full buffer (for metrics). */
  paused?(): void;
}

export interface FlowOptions extends FlowLimits {
  after?: number;
  epoch?: string;
}

/** What bounds a flow: the same for every stream of a server, so one object serves them all. */
export interface FlowLimits {
  pageSize: number;
  /** Queued bytes above which the stream pauses. */
  bound: number;
  /** How long a paused stream may stay full before `stalled`. */
  stallMs: number;
  /** How often a paused stream checks whether it drained. */
  checkMs?: number;
  /** What all paused streams may hold together; a paused stream declares its queue here. */
  budget?: SendBudget;
}

/**
 * The options of a stream that resumes at `from`: a page of the feed at a time, bounded by the
 * configured send buffer and stall time, sharing the server's send budget. The same for every
 * streaming transport (SSE, WebSocket, socket.io).
 */
export function streamFlow(
  from: { after?: number | undefined; epoch?: string | undefined },
  config: { sendBufferBytes: number; slowConsumerMs: number },
  budget: SendBudget,
): FlowOptions {
  return { after: from.after, epoch: from.epoch, ...streamLimits(config, budget) };
}

/** The latest limits made by `streamLimits`: a server asks with the same values every time. */
let lastLimits: FlowLimits | undefined;

/**
 * The limits of `streamFlow`, one object for every stream with the same values, so that a
 * flow (one per client) keeps a shared object rather than one of its own.
 */
function streamLimits(config: { sendBufferBytes: number; slowConsumerMs: number }, budget: SendBudget): FlowLimits {
  const last = lastLimits;
  if (
    last !== undefined &&
    last.bound === config.sendBufferBytes &&
    last.stallMs === config.slowConsumerMs &&
    last.budget === budget
  ) {
    return last;
  }
  lastLimits = { pageSize: STREAM_PAGE, bound: config.sendBufferBytes, stallMs: config.slowConsumerMs, budget };
  return lastLimits;
}

/** `opts`' limits as a shared object when they are `streamLimits`' latest, else as a copy of their own. */
function limitsOf(opts: FlowOptions): FlowLimits {
  const last = lastLimits;
  if (
    last !== undefined &&
    last.pageSize === opts.pageSize &&
    last.bound === opts.bound &&
    last.stallMs === opts.stallMs &&
    last.checkMs === opts.checkMs &&
    last.budget === opts.budget
  ) {
    return last;
  }
  const { after: _after, epoch: _epoch, ...limits } = opts;
  return limits;
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
  const flow = new Flow(feed, opts, sink);
  return () => flow.stop();
}

/**
 * `flowFollow`, returning the stream itself rather than a stop function: one lives per
 * connected client, and a stop closure would cost each a function and a context.
 */
export function startFlow(feed: Feed, opts: FlowOptions, sink: FlowSink): Following {
  return new Flow(feed, opts, sink);
}

/**
 * One flow-controlled stream. Classes rather than closures, as in follow.ts: one lives per
 * connected client, and prototype methods cost a connection nothing.
 */
class Flow implements BudgetHolder, Following, FollowSink {
  readonly #feed: Feed;
  /** The flow's limits (shared with the server's other flows; the options object is not kept). */
  readonly #opts: FlowLimits;
  readonly #sink: FlowSink;
  #stopped = false;
  #cursor: number | undefined;
  #epoch: string | undefined;
  /**
   * The current follow, while following. A stopped follow calls its sink no more, so what
   * it was delivering when the flow paused is dropped without a guard of the flow's own.
   */
  #following: Following | undefined;
  /** Whether the current follow is the stream's first (not a resume after a pause). */
  #first = true;
  #check: ReturnType<typeof setInterval> | undefined;
  #pausedAt = 0;

  constructor(feed: Feed, opts: FlowOptions, sink: FlowSink) {
    this.#feed = feed;
    this.#opts = limitsOf(opts);
    this.#sink = sink;
    this.#cursor = opts.after;
    this.#epoch = opts.epoch;
    this.#follow(true);
  }

  #follow(first: boolean): void {
    this.#first = first;
    this.#following = startFollow(
      this.#feed,
      { after: this.#cursor, epoch: this.#epoch, pageSize: this.#opts.pageSize },
      this,
    );
  }

  // ---- FollowSink: the current follow's calls ----

  start(hello: Hello): void {
    this.#epoch = hello.epoch;
    this.#cursor = hello.cursor;
    if (this.#first || hello.reset) this.#sink.start(hello, this.#first);
  }

  message(m: FeedMessage): void {
    const sink = this.#sink;
    sink.message(m);
    this.#cursor = m.seq;
    if (sink.queued() > this.#opts.bound) this.#pause();
  }

  error(err: Error): void {
    this.#sink.error(err);
  }

  #unfollow(): void {
    const following = this.#following;
    this.#following = undefined;
    following?.stop();
  }

  #pause(): void {
    this.#unfollow();
    this.#pausedAt = Date.now();
    this.#sink.paused?.();
    const opts = this.#opts;
    this.#check = setInterval(
      () => {
        if (this.#stopped) return;
        if (this.#sink.queued() === 0) {
          this.#endPause();
          this.#follow(false);
        } else if (Date.now() - this.#pausedAt >= opts.stallMs) {
          this.evict();
        }
      },
      opts.checkMs ?? Math.max(5, Math.min(50, opts.stallMs / 4)),
    );
    this.#check.unref();
    // Declared last: the budget may cut this very stream's elders, or (alone over it) nothing.
    opts.budget?.hold(this, this.#sink.queued());
  }

  #endPause(): void {
    if (this.#check) clearInterval(this.#check);
    this.#check = undefined;
    this.#opts.budget?.release(this);
  }

  /** Paused too long, or cut by the budget: the transport closes the stream. */
  evict(): void {
    if (this.#stopped) return;
    this.#endPause();
    this.#stopped = true;
    this.#sink.stalled();
  }

  stop(): void {
    this.#stopped = true;
    this.#endPause();
    this.#unfollow();
  }
}
