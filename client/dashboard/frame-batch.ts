/**
 * Rendering in batches, one per animation frame. A burst delivers hundreds of messages in a few
 * milliseconds; drawing a row for each as it arrives keeps the main thread busy, and the next
 * message's receive time then includes that drawing (a transport would look slower the more
 * rows its lane draws). The lanes timestamp each message when it arrives (the client library's
 * `receivedAt`) and only queue the drawing here.
 */

/** How long a batch may wait when frames do not come (a hidden tab): then a timer flushes it. */
const FALLBACK_MS = 250;

export class FrameBatch<T> {
  readonly #flush: (items: T[]) => void;
  readonly #cap: number;
  #items: T[] = [];
  #scheduled = false;

  /** `cap`: items kept at most until the next flush (older ones would be dropped from view anyway). */
  constructor(flush: (items: T[]) => void, cap = Number.POSITIVE_INFINITY) {
    this.#flush = flush;
    this.#cap = cap;
  }

  push(...items: T[]): void {
    this.#items.push(...items);
    if (this.#items.length > this.#cap) this.#items.splice(0, this.#items.length - this.#cap);
    if (this.#scheduled) return;
    this.#scheduled = true;
    const run = () => this.#run();
    requestAnimationFrame(run);
    setTimeout(run, FALLBACK_MS);
  }

  #run(): void {
    if (!this.#scheduled) return;
    this.#scheduled = false;
    const items = this.#items;
    this.#items = [];
    this.#flush(items);
  }
}
