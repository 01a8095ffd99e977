import type { FeedMessage, TransportName } from '../../protocol/wire.ts';
import type { ConnectionState, RequestRecord, ResetInfo, TransportHandlers } from './types.ts';

/**
 * The bookkeeping every transport shares: the caller's handlers, the connection state, the
 * timers, and a generation id. Every socket, request and timer is tagged with the generation
 * it was made in; `stop()` and each reconnect move to a new one, so whatever a stale socket
 * or request reports later is dropped (as centrifuge-js does when it switches transports).
 */
export class Session {
  readonly #name: TransportName;
  #generation = 0;
  #on: TransportHandlers | undefined;
  #state: ConnectionState = 'closed';
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(name: TransportName) {
    this.#name = name;
  }

  /** Whether a run is under way (between begin and end). */
  get running(): boolean {
    return this.#on !== undefined;
  }

  /** The state last reported. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Whether the caller wants RequestRecords, so byte counts are computed only then. */
  get recording(): boolean {
    return this.#on?.request !== undefined;
  }

  /** Starts a run with the caller's handlers; what an earlier run reports is now stale. */
  begin(on: TransportHandlers): void {
    this.#on = on;
    this.#generation++;
    this.setState('connecting');
  }

  /** A new connection attempt in the same run: what the previous one reports is now stale. */
  renew(): number {
    return ++this.#generation;
  }

  /** Whether something tagged with generation `g` may still report. */
  current(g: number): boolean {
    return this.#on !== undefined && g === this.#generation;
  }

  /** Ends the run: every timer cleared, `closed` reported, all later reports dropped. */
  end(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.setState('closed');
    this.#generation++;
    this.#on = undefined;
  }

  /**
   * Runs `fn` after `ms` unless generation `g` is stale by then; `end()` clears it. Returns a
   * cancel function (a request's deadline, a pending retry cut short).
   */
  later(g: number, ms: number, fn: () => void): () => void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.current(g)) fn();
    }, ms);
    this.#timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.#timers.delete(timer);
    };
  }

  /** Reports a state change (only a change). */
  setState(s: ConnectionState): void {
    if (s === this.#state) return;
    this.#state = s;
    const on = this.#on;
    if (on?.state) call(() => on.state?.(s));
  }

  /** Hands a batch to the caller (the position must already be past it). */
  messages(batch: FeedMessage[], receivedAt: number): void {
    const on = this.#on;
    if (on) call(() => on.messages(batch, { receivedAt }));
  }

  /** Tells the caller messages may be lost; always before the messages that follow. */
  reset(info: ResetInfo): void {
    const on = this.#on;
    if (on) call(() => on.reset(info));
  }

  /** Reports a failure the transport recovers from by itself. */
  error(e: Error): void {
    const on = this.#on;
    if (on) call(() => on.error(e));
  }

  /** Reports one exchange, stamped with this transport's name. */
  record(r: Omit<RequestRecord, 'transport'>): void {
    const on = this.#on;
    if (on?.request) call(() => on.request?.({ transport: this.#name, ...r }));
  }
}

/**
 * Calls a handler; if it throws, the error is rethrown on a fresh task so it is seen
 * (uncaught) without breaking the transport's own bookkeeping mid-way.
 */
function call(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    setTimeout(() => {
      throw err;
    }, 0);
  }
}
