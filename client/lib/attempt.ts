import type { FeedMessage, Hello, ReadResponse, ResumePoint } from '../../protocol/wire.ts';
import type { Backoff } from './backoff.ts';
import type { Cursor } from './cursor.ts';
import type { Session } from './session.ts';
import type { ConnectionState, RequestRecord } from './types.ts';

/** What the driver lends one attempt: the run's session, cursor and backoff, and its failure path. */
export interface AttemptContext {
  session: Session;
  /** The session generation this attempt was made in. */
  generation: number;
  cursor: Cursor;
  backoff: Backoff;
  /** Ends the attempt and schedules the next one (the driver's; called at most once, while live). */
  fail(err: Error): void;
}

/**
 * One connection attempt, as its adapter sees it: the only way a socket, stream or request
 * schedule reports to the caller. Every call is dropped once the attempt is stale (it failed,
 * the transport was stopped or restarted), so no adapter checks a generation itself: what a
 * stale connection says is simply not heard (centrifuge-js drops a stale transport's callbacks
 * the same way).
 *
 * Delivery keeps one order for every transport: the position moves first (so a handler reading
 * `transport.position` sees where it now is), a reset comes before the messages that follow
 * it, and messages go out exactly as the server sent them.
 */
export class Attempt {
  readonly #ctx: AttemptContext;

  constructor(ctx: AttemptContext) {
    this.#ctx = ctx;
  }

  /** Whether this attempt may still report; false once it failed or the transport stopped. */
  get live(): boolean {
    return this.#ctx.session.current(this.#ctx.generation);
  }

  /** Where to resume: the `after`/`epoch` this attempt's URL carries. */
  get position(): ResumePoint {
    return this.#ctx.cursor.position;
  }

  /** The state last reported (poll turns `waiting` into `open` as a request goes out). */
  get state(): ConnectionState {
    return this.#ctx.session.state;
  }

  /** Whether a failure has not been followed by a success yet: the state stays `reconnecting`. */
  get recovering(): boolean {
    return this.#ctx.backoff.attempt > 0;
  }

  /** Whether the caller wants RequestRecords, so byte counts are computed only then. */
  get recording(): boolean {
    return this.live && this.#ctx.session.recording;
  }

  /** Reports a state change (`open`, `waiting`: what only the transport knows). */
  setState(s: ConnectionState): void {
    if (this.live) this.#ctx.session.setState(s);
  }

  /** The connection works: the next failure backs off from the shortest delay again. */
  healthy(): void {
    if (this.live) this.#ctx.backoff.reset();
  }

  /** The start of a stream (SSE hello/reset event, WS hello frame): a reset if it could not resume. */
  hello(hello: Hello): void {
    if (!this.live) return;
    const info = this.#ctx.cursor.observe(hello.epoch, hello.cursor, hello.reset === true);
    if (info) this.#ctx.session.reset(info);
  }

  /** A poll or long-poll answer: a reset if it could not resume, then its messages. */
  read(body: ReadResponse, receivedAt: number): void {
    if (!this.live) return;
    const first = body.messages[0];
    const start = first ? first.seq - 1 : body.cursor;
    const info = this.#ctx.cursor.observe(body.epoch, start, body.reset === true);
    if (info) this.#ctx.session.reset(info);
    // Where the read stopped, before the messages go out: a filtered read may have gone past
    // other channels' messages after its last one (handlers see the position past the batch).
    this.#ctx.cursor.reach(body.cursor);
    if (body.messages.length > 0) this.#deliver(body.messages, receivedAt);
  }

  /** One streamed message (SSE event, WS frame). */
  message(message: FeedMessage, receivedAt: number): void {
    if (this.live) this.#deliver([message], receivedAt);
  }

  /** A failure the connection survives (a malformed frame): reported, nothing else. */
  error(e: Error): void {
    if (this.live) this.#ctx.session.error(e);
  }

  /** The connection is lost: the driver closes it, reports `e` and retries after backoff. */
  fail(e: Error): void {
    if (this.live) this.#ctx.fail(e);
  }

  /** Reports one exchange on the wire. */
  record(r: Omit<RequestRecord, 'transport'>): void {
    if (this.live) this.#ctx.session.record(r);
  }

  /**
   * Runs `fn` after `ms` if the attempt is still live then; returns a cancel function. A stale
   * attempt arms no timer, so nothing outlives `stop()`.
   */
  later(ms: number, fn: () => void): () => void {
    if (!this.live) return () => {};
    return this.#ctx.session.later(this.#ctx.generation, ms, fn);
  }

  #deliver(batch: FeedMessage[], receivedAt: number): void {
    this.#ctx.cursor.advance(batch);
    this.#ctx.session.messages(batch, receivedAt);
  }
}
