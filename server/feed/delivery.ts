import type { FeedMessage } from '../../protocol/wire.ts';

/** A publish waiting for its seq (of its epoch) to be delivered here. */
interface Wait {
  epoch: string;
  seq: number;
  done(err?: Error): void;
}

/**
 * The publishes of one instance that wait until its own reader has delivered their seq: how a
 * feed whose subscribers hear messages from a reader (Redis) keeps the contract that they are
 * notified before `publish` resolves (the WebSocket ack follows the message's own frame).
 * Every wait is bounded: after `timeoutMs` it fails with `timedOut()`.
 */
export class Confirmations {
  readonly #waits = new Set<Wait>();
  readonly #timeoutMs: number;
  readonly #timedOut: () => Error;

  constructor(timeoutMs: number, timedOut: () => Error) {
    this.#timeoutMs = timeoutMs;
    this.#timedOut = timedOut;
  }

  /** Resolves once `delivered(epoch, ≥ seq)` or `epochChanged` away from `epoch` is called. */
  wait(epoch: string, seq: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.#settle(wait, this.#timedOut()), this.#timeoutMs);
      const wait: Wait = {
        epoch,
        seq,
        done: (err) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        },
      };
      this.#waits.add(wait);
    });
  }

  /** The reader has delivered every seq up to `position` of `epoch`. */
  delivered(epoch: string, position: number): void {
    for (const w of this.#waits) if (w.epoch === epoch && w.seq <= position) this.#settle(w);
  }

  /** The feed is at `epoch` now: the waits of any other are over (their messages went with it). */
  epochChanged(epoch: string): void {
    for (const w of this.#waits) if (w.epoch !== epoch) this.#settle(w);
  }

  /** Fails every wait (the feed is closing). */
  fail(err: Error): void {
    for (const w of this.#waits) this.#settle(w, err);
  }

  #settle(w: Wait, err?: Error): void {
    if (this.#waits.delete(w)) w.done(err);
  }
}

/**
 * The message objects of one epoch that this instance handed out, by seq (the last `size`):
 * the reader's and the reads' messages of a seq are then one object, which encode.ts
 * serializes once for every client of the instance.
 */
export class RecentMessages {
  readonly #slots: Array<FeedMessage | undefined>;

  constructor(size: number) {
    this.#slots = new Array(size);
  }

  /** The object kept for `m.seq` if there is one, else `m`, kept unless a newer seq holds its slot. */
  share(m: FeedMessage): FeedMessage {
    const slot = m.seq % this.#slots.length;
    const held = this.#slots[slot];
    if (held?.seq === m.seq) return held;
    if (held === undefined || held.seq < m.seq) this.#slots[slot] = m;
    return m;
  }

  /** Forgets everything (a new epoch: its seqs name other messages). */
  clear(): void {
    this.#slots.fill(undefined);
  }
}
