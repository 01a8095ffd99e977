import type { BackoffOptions } from './types.ts';

/**
 * Full-jitter capped exponential backoff: a delay drawn uniformly from
 * [0, min(max, initial · 2^attempt)). Jitter spreads the reconnects of many clients after a
 * server restart, so they do not all arrive in the same millisecond.
 * `random` is injectable so the function is pure under test.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.max(0, attempt));
  return random() * ceiling;
}

/**
 * The attempt counter around `backoffDelay`: each failure waits longer, a success starts
 * over. One per transport instance.
 */
export class Backoff {
  #attempt = 0;
  readonly #opts: BackoffOptions;
  readonly #random: () => number;

  constructor(opts: BackoffOptions, random: () => number = Math.random) {
    this.#opts = opts;
    this.#random = random;
  }

  /** Failures since the last success: 0 means the transport is healthy. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next retry, counting one more failure. */
  next(): number {
    const delay = backoffDelay(this.#attempt, this.#opts, this.#random);
    this.#attempt++;
    return delay;
  }

  /** A success: the next failure waits at most `initialMs` again. */
  reset(): void {
    this.#attempt = 0;
  }
}
