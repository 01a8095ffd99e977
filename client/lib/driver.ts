import type { ResumePoint, TransportName } from '../../protocol/wire.ts';
import { Attempt } from './attempt.ts';
import { Backoff } from './backoff.ts';
import { Cursor } from './cursor.ts';
import { asError } from './errors.ts';
import { type ResolvedOptions, resolveOptions } from './options.ts';
import { Session } from './session.ts';
import type { ClientOptions, ClientTransport, TransportHandlers } from './types.ts';

/** One open connection (a request schedule, a stream, a socket), as the driver ends it. */
export interface Connection {
  /**
   * Ends it at once: aborts what is in flight, closes what is open. Called on `stop()` while
   * the attempt is still live (so an abort is still recorded), and after the attempt failed.
   */
  close(): void;
}

/**
 * Opens one connection for `attempt`, reporting only through it. Throwing (a constructor that
 * rejects the URL) counts as the attempt failing.
 */
export type Dial<C extends Connection> = (attempt: Attempt) => C;

/**
 * What a transport adds to the driver. Called by every `start()` with the resolved options: it
 * resolves what the run needs (the injected fetch, EventSource or WebSocket, so a missing one
 * throws from `start()` itself) and returns how to open one connection.
 */
export type Adapter<C extends Connection = Connection> = (opts: ResolvedOptions) => Dial<C>;

/**
 * The lifecycle every transport shares, in one place; a transport is this plus an Adapter
 * that says how its own connection is made and read. It owns the options, the caller's session
 * (generations that drop stale callbacks), the cursor, the backoff, start/stop, and the path
 * failure → `reconnecting` → retry after backoff. At most one connection is open; a new one
 * is only dialled once the last has been closed.
 */
export class Driver<C extends Connection = Connection> implements ClientTransport {
  /** The wire name, so records and results can be attributed. */
  readonly name: TransportName;
  readonly #opts: ResolvedOptions;
  readonly #adapter: Adapter<C>;
  readonly #session: Session;
  readonly #backoff: Backoff;
  #cursor = new Cursor();
  #dial: Dial<C> | undefined;
  #connection: C | undefined;
  /** Cancels the retry waiting out its backoff, if one is. */
  #retry: (() => void) | undefined;

  constructor(name: TransportName, options: ClientOptions, adapter: Adapter<C>) {
    this.name = name;
    this.#opts = resolveOptions(options);
    this.#adapter = adapter;
    this.#session = new Session(name);
    this.#backoff = new Backoff(this.#opts.backoff);
  }

  /** Where the client is; see ClientTransport.position. */
  get position(): ResumePoint {
    return this.#cursor.position;
  }

  /** Starts receiving after `from`; a run already under way is stopped first. */
  start(from: ResumePoint, on: TransportHandlers): void {
    this.stop();
    this.#dial = this.#adapter(this.#opts);
    this.#cursor = new Cursor(from);
    this.#backoff.reset();
    this.#session.begin(on);
    this.#connect();
  }

  /** Stops at once: closes the connection, cancels the pending retry, reports `closed`. */
  stop(): void {
    if (!this.#session.running) return;
    this.#retry = undefined;
    this.#close();
    this.#session.end();
  }

  /**
   * Retries at once when a retry is waiting out its backoff (a "reconnect now" button); the
   * backoff is not reset, so a failure again waits longer still. Returns whether there was one
   * to hurry: false while connected or stopped.
   */
  reconnectNow(): boolean {
    const cancel = this.#retry;
    if (!cancel) return false;
    this.#retry = undefined;
    cancel();
    this.#connect();
    return true;
  }

  /** The open connection, for a transport that adds to it (ws publishes over its socket). */
  protected get connection(): C | undefined {
    return this.#connection;
  }

  #connect(): void {
    const dial = this.#dial;
    if (!dial) return;
    const generation = this.#session.renew();
    const attempt = new Attempt({
      session: this.#session,
      generation,
      cursor: this.#cursor,
      backoff: this.#backoff,
      fail: (err) => this.#fail(err),
    });
    let connection: C;
    try {
      connection = dial(attempt);
    } catch (err) {
      attempt.fail(asError(err));
      return;
    }
    // Failed or stopped while dialling (a handler may stop the transport): nothing is kept open.
    if (attempt.live) this.#connection = connection;
    else connection.close();
  }

  /**
   * The failed attempt goes stale before anything is reported, and each step checks that the
   * caller's handlers did not stop or restart the transport meanwhile: no retry outlives them.
   */
  #fail(err: Error): void {
    const generation = this.#session.renew();
    const current = () => this.#session.current(generation);
    this.#close();
    this.#session.error(err);
    if (current()) this.#session.setState('reconnecting');
    if (!current()) return;
    this.#retry = this.#session.later(generation, this.#backoff.next(), () => {
      this.#retry = undefined;
      this.#connect();
    });
  }

  #close(): void {
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.close();
  }
}
