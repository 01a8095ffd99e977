import type { ByteSplit } from '../../protocol/wire.ts';
import type { Part } from './http1-framer.ts';

/**
 * The runs of counted response bytes that may still sit in a socket's write queue, newest
 * last, so that what a dying socket discards unsent can be taken back from the buckets it was
 * counted in. Usually empty: a write that the kernel takes at once leaves nothing queued.
 * Parallel arrays, so a run costs no object.
 */
export class QueuedRuns {
  #splits: ByteSplit[] = [];
  #parts: Part[] = [];
  #bytes: number[] = [];
  /** Index of the oldest run still kept. */
  #start = 0;
  /** Bytes in the kept runs. */
  #total = 0;

  /** Appends a run, merged into the newest when it goes to the same counter. */
  add(split: ByteSplit, part: Part, n: number): void {
    const last = this.#bytes.length - 1;
    if (last >= this.#start && this.#splits[last] === split && this.#parts[last] === part) {
      this.#bytes[last] = (this.#bytes[last] ?? 0) + n;
    } else {
      this.#splits.push(split);
      this.#parts.push(part);
      this.#bytes.push(n);
    }
    this.#total += n;
  }

  /** Keeps only the newest runs that cover `queued` bytes (the socket's `writableLength`). */
  keep(queued: number): void {
    if (queued === 0) {
      this.#splits.length = 0;
      this.#parts.length = 0;
      this.#bytes.length = 0;
      this.#start = 0;
      this.#total = 0;
      return;
    }
    let start = this.#start;
    for (let n = this.#bytes[start]; n !== undefined && this.#total - n >= queued; n = this.#bytes[start]) {
      this.#total -= n;
      start++;
    }
    if (start > 64 && start * 2 > this.#bytes.length) {
      this.#splits.splice(0, start);
      this.#parts.splice(0, start);
      this.#bytes.splice(0, start);
      start = 0;
    }
    this.#start = start;
  }

  /** Subtracts the newest `n` bytes from the counters they went to; returns what was not kept. */
  takeBack(n: number): number {
    let left = n;
    for (let i = this.#bytes.length - 1; i >= this.#start && left > 0; i--) {
      const split = this.#splits[i];
      const part = this.#parts[i];
      const bytes = this.#bytes[i] ?? 0;
      if (split === undefined || part === undefined) break;
      const take = Math.min(bytes, left);
      split[part] -= take;
      this.#bytes[i] = bytes - take;
      this.#total -= take;
      left -= take;
    }
    return left;
  }
}
