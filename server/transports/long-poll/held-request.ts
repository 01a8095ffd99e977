import type { ServerResponse } from 'node:http';
import type { TransportCounters } from '../../observe/stats.ts';
import type { PublishSignal, Waiter } from './publish-signal.ts';

/** Why a held long-poll stopped waiting. */
type Wake = 'message' | 'timeout' | 'aborted' | 'shutdown';

/** A held request's timer: one function for all of them, the request passed as its argument. */
function timedOut(request: HeldRequest): void {
  request.wake('timeout');
}

/**
 * The waiting of one long-poll request: until a publish, its timeout, its client going away
 * or the server shutting down, whichever comes first; every wake-up after the first is
 * ignored. A class, not closures: at 10 000 held requests, per-request functions (each with
 * its own context and, under tsx, its own name property) are memory the target cannot spare.
 */
export class HeldRequest implements Waiter {
  /** The client went away (its response closed before it was answered). */
  gone = false;
  /** Listener for the response's 'close': marks the request gone and wakes it. */
  readonly onClose: () => void;
  readonly #held: Set<HeldRequest>;
  readonly #signal: PublishSignal;
  readonly #counters: TransportCounters;
  #resolve: ((why: Wake) => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(res: ServerResponse, held: Set<HeldRequest>, signal: PublishSignal, counters: TransportCounters) {
    this.#held = held;
    this.#signal = signal;
    this.#counters = counters;
    this.onClose = () => {
      if (res.writableEnded) return;
      this.gone = true;
      this.wake('aborted');
    };
  }

  /** Waits at most `ms`; counted in `held` meanwhile. */
  hold(ms: number): Promise<Wake> {
    return new Promise<Wake>((resolve) => {
      this.#counters.held++;
      this.#resolve = resolve;
      this.#timer = setTimeout(timedOut, ms, this);
      this.#held.add(this);
      this.#signal.wait(this);
      if (this.gone) this.wake('aborted');
    });
  }

  /** Ends the wait, if there is one, for `why`. */
  wake(why: Wake): void {
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    this.#resolve = undefined;
    clearTimeout(this.#timer);
    this.#held.delete(this);
    this.#signal.cancel(this);
    this.#counters.held--;
    resolve(why);
  }

  /** A message was published (called by the signal, once per wait). */
  published(): void {
    this.wake('message');
  }
}
