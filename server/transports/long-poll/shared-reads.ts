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

  constructor(feed: Feed) {
    this.#feed = feed;
  }

  /**
   * `feed.read(after, { epoch, limit })`, shared with identical reads of the same generation.
   * `generation` must be read from a `PublishSignal` the caller holds (acquired) right now.
   */
  read(after: number | undefined, epoch: string | undefined, limit: number, generation: number): Promise<ReadResult> {
    if (generation !== this.#generation || this.#reads.size >= MAX_ENTRIES) {
      this.#reads.clear();
      this.#generation = generation;
    }
    // Absent parts are empty, never the text "undefined": `epoch=undefined` is a valid epoch
    // string and must not share a read with a request that sent no epoch.
    const key = `${after ?? ''}|${epoch ?? ''}|${limit}`;
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
}
