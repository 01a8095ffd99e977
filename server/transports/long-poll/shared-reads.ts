import type { Feed, ReadResult } from '../../feed/feed.ts';

/** Distinct reads remembered at once; past it the memo starts over (it is only a shortcut). */
const MAX_ENTRIES = 1024;

/**
 * Coalesces identical cursor reads made between the same two publishes. When a publish wakes
 * 10 000 held long-polls at the same cursor, they share one `feed.read` and one result, so
 * the answer body (cached per result, see `readResponseBytes`) is built once, not 10 000 times.
 *
 * Exact by construction: entries are keyed by the read's arguments and dropped as soon as the
 * publish generation changes (`PublishSignal.generation`), so a result is only shared by
 * reads that start while the feed holds the same messages; any of them, read alone, could
 * have got that very result. A failed read is forgotten, so the next caller tries again.
 */
export class SharedReads {
  readonly #feed: Feed;
  #generation = -1;
  readonly #reads = new Map<string, Promise<ReadResult>>();
  /** Results of synchronous reads (`readNow`), under the same rules as `#reads`. */
  readonly #results = new Map<string, ReadResult>();

  constructor(feed: Feed) {
    this.#feed = feed;
  }

  /**
   * What `read` would resolve to, at once, when the feed can read synchronously (a memory
   * feed, see `Feed.readSync`); undefined otherwise, and the caller awaits `read`. Shared
   * exactly as `read`'s results are (one result object per key and generation, so one answer
   * body), without a promise and a turn of the microtask queue per woken request. A read that
   * throws is not remembered.
   */
  readNow(
    after: number | undefined,
    epoch: string | undefined,
    limit: number,
    generation: number,
  ): ReadResult | undefined {
    if (this.#feed.readSync === undefined) return undefined;
    this.#turn(generation, this.#results);
    const key = keyOf(after, epoch, limit);
    let result = this.#results.get(key);
    if (result === undefined) {
      result = this.#feed.readSync(after, { epoch, limit });
      this.#results.set(key, result);
    }
    return result;
  }

  /**
   * `feed.read(after, { epoch, limit })`, shared with identical reads of the same generation.
   * `generation` must be read from a `PublishSignal` the caller holds (acquired) right now.
   */
  read(after: number | undefined, epoch: string | undefined, limit: number, generation: number): Promise<ReadResult> {
    this.#turn(generation, this.#reads);
    const key = keyOf(after, epoch, limit);
    let read = this.#reads.get(key);
    if (read === undefined) {
      read = this.#feed.read(after, { epoch, limit });
      this.#reads.set(key, read);
      read.catch(() => {
        if (this.#reads.get(key) === read) this.#reads.delete(key);
      });
    }
    return read;
  }

  /** Forgets everything remembered when the generation moved on (or `memo` is full). */
  #turn(generation: number, memo: Map<string, unknown>): void {
    if (generation !== this.#generation) {
      this.#reads.clear();
      this.#results.clear();
      this.#generation = generation;
    } else if (memo.size >= MAX_ENTRIES) {
      memo.clear();
    }
  }
}

/**
 * A read's key. Absent parts are empty, never the text "undefined": `epoch=undefined` is a
 * valid epoch string and must not share a read with a request that sent no epoch.
 */
function keyOf(after: number | undefined, epoch: string | undefined, limit: number): string {
  return `${after ?? ''}|${epoch ?? ''}|${limit}`;
}
