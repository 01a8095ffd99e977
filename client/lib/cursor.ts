import type { FeedMessage, ResumePoint } from '../../protocol/wire.ts';
import type { ResetInfo } from './types.ts';

/**
 * The client's place in the feed, the same logic for every transport: where to resume after
 * a reconnect, and when the server's answer means messages were lost.
 *
 * It only moves forward within an epoch (position = the highest seq seen), and it is updated
 * for every message delivered, recovered ones included: a second reconnect then resumes after
 * them instead of receiving them again (the bug of socket.io issue #5419).
 */
export class Cursor {
  #after: number | undefined;
  #epoch: string | undefined;

  constructor(from: ResumePoint = {}) {
    this.#after = from.after;
    this.#epoch = from.epoch;
  }

  /** A copy with absent fields left out, safe to hand to the caller and to URLs. */
  get position(): ResumePoint {
    const p: ResumePoint = {};
    if (this.#after !== undefined) p.after = this.#after;
    if (this.#epoch !== undefined) p.epoch = this.#epoch;
    return p;
  }

  /**
   * The server says its stream (or read answer) continues after `start` in `epoch`. Returns
   * the reset to report when the server said so, or when the epoch changed under a client that
   * had one (a defensive check: the server flags that itself); otherwise undefined.
   */
  observe(epoch: string, start: number, reset: boolean): ResetInfo | undefined {
    const previousEpoch = this.#epoch;
    const previousCursor = this.#after;
    const lost = reset || (previousEpoch !== undefined && previousEpoch !== epoch);
    this.#epoch = epoch;
    if (!lost) {
      this.#after = Math.max(previousCursor ?? start, start);
      return undefined;
    }
    this.#after = start;
    const info: ResetInfo = { epoch, cursor: start };
    if (previousEpoch !== undefined) info.previousEpoch = previousEpoch;
    if (previousCursor !== undefined) info.previousCursor = previousCursor;
    return info;
  }

  /**
   * Moves to `seq` if that is further: where a filtered read stopped (it may have gone past
   * other channels' messages after the last one it delivered), so the next read starts there.
   */
  reach(seq: number): void {
    if (this.#after === undefined || seq > this.#after) this.#after = seq;
  }

  /** Moves past delivered messages: to the highest seq, whatever order they came in. */
  advance(messages: readonly FeedMessage[]): void {
    for (const m of messages) if (this.#after === undefined || m.seq > this.#after) this.#after = m.seq;
  }
}
