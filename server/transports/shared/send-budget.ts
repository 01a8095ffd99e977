/** Streams cut per turn of the event loop when the budget is over (see `#evictSome`). */
const EVICT_PER_TURN = 8;

/** A stream that holds send-buffer memory while paused, and can be cut to give it back. */
export interface BudgetHolder {
  /** The budget needs the memory back: close the stream (it no longer holds anything). */
  evict(): void;
}

/**
 * The send-buffer memory of all paused streams together. Each stream is bounded on its own
 * (`sendBufferBytes`: past it, it stops following the feed and waits to drain), but a bound
 * per reader is no bound at all when thousands of readers stop reading at once: 2 000 of them at
 * 1 MiB each is 2 GiB. So a stream that pauses declares what it holds, and while the total is
 * over `limit` the stream paused longest (the slowest reader, the one least likely to recover)
 * is cut. Map order is pause order, so finding it costs nothing.
 */
export class SendBudget {
  readonly #held = new Map<BudgetHolder, number>();
  #total = 0;
  /** Holders released from the count and still to be cut. */
  #evicting: BudgetHolder[] = [];
  #scheduled = false;

  constructor(readonly limit: number) {}

  /** Bytes held by paused streams now. */
  get total(): number {
    return this.#total;
  }

  /** Paused streams holding memory now. */
  get holders(): number {
    return this.#held.size;
  }

  /** `holder` paused holding `bytes`; the longest-paused others are cut while over the limit. */
  hold(holder: BudgetHolder, bytes: number): void {
    this.release(holder);
    this.#held.set(holder, bytes);
    this.#total += bytes;
    for (const oldest of this.#held.keys()) {
      if (this.#total <= this.limit || oldest === holder) break;
      this.release(oldest);
      this.#evicting.push(oldest);
    }
    if (this.#evicting.length > 0 && !this.#scheduled) this.#evictSome();
  }

  /**
   * Cuts what is due, a few per turn of the event loop: closing a socket frees its kernel
   * buffers synchronously (megabytes each for a reader that stopped reading), and hundreds of
   * them in one go would block the loop for everyone else. They stopped counting at once.
   */
  #evictSome(): void {
    for (const holder of this.#evicting.splice(0, EVICT_PER_TURN)) holder.evict();
    this.#scheduled = this.#evicting.length > 0;
    if (this.#scheduled) setImmediate(() => this.#evictSome());
  }

  /** `holder` resumed or closed: what it held is free again. */
  release(holder: BudgetHolder): void {
    const bytes = this.#held.get(holder);
    if (bytes === undefined) return;
    this.#held.delete(holder);
    this.#total -= bytes;
  }
}
