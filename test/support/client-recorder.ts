import type { ConnectionState, RequestRecord, ResetInfo, TransportHandlers } from '../../client/lib/types.ts';
import type { FeedMessage } from '../../protocol/wire.ts';

/** What a recorder saw, in order: resets and message batches interleaved as they came. */
export type Seen = { reset: ResetInfo } | { messages: number[] };

/**
 * TransportHandlers that keep everything a transport reports, so a test can assert on it and
 * await it (`until` re-checks on every callback: no sleeps).
 */
export class Recorder implements TransportHandlers {
  readonly received: FeedMessage[] = [];
  /** receivedAt of each message in `received`, same index. */
  readonly receivedAt: number[] = [];
  readonly resets: ResetInfo[] = [];
  readonly errors: Error[] = [];
  readonly states: ConnectionState[] = [];
  readonly records: RequestRecord[] = [];
  readonly seen: Seen[] = [];
  #waiters = new Set<() => void>();

  messages = (batch: FeedMessage[], meta: { receivedAt: number }): void => {
    for (const m of batch) {
      this.received.push(m);
      this.receivedAt.push(meta.receivedAt);
    }
    this.seen.push({ messages: batch.map((m) => m.seq) });
    this.#notify();
  };

  reset = (info: ResetInfo): void => {
    this.resets.push(info);
    this.seen.push({ reset: info });
    this.#notify();
  };

  error = (e: Error): void => {
    this.errors.push(e);
    this.#notify();
  };

  state = (s: ConnectionState): void => {
    this.states.push(s);
    this.#notify();
  };

  request = (r: RequestRecord): void => {
    this.records.push(r);
    this.#notify();
  };

  /** The seqs received, in order. */
  get seqs(): number[] {
    return this.received.map((m) => m.seq);
  }

  /** Resolves once `check()` holds, re-checked on every callback; rejects after `ms`. */
  until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; seqs=${this.seqs.join(',')}`));
      }, ms);
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve();
      };
      this.#waiters.add(waiter);
    });
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }
}
