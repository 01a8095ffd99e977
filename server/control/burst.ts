import type { BurstResponse } from '../../protocol/control.ts';
import { PushraceError } from '../errors.ts';
import type { Feed } from '../feed/feed.ts';

/** Work done in one turn of the event loop before the burst yields to everything else. */
const SLICE_MS = 5;

/**
 * `POST /api/burst`: publishes `count` messages as fast as the server can without starving it.
 * Each publish fans out to every subscriber at once (with 2 000 WebSocket readers, 2 000 socket
 * writes), so publishing 1 000 in one go would block the event loop for seconds: health checks,
 * other clients and the shutdown timer would all wait. The burst runs in slices of at most
 * `SLICE_MS` of work with a turn of the event loop between them; one burst at a time, and a
 * burst stops when the server closes. Other publishers may interleave with its messages.
 */
export class BurstPublisher {
  readonly #feed: Feed;
  #running = false;
  #closed = false;

  constructor(feed: Feed) {
    this.#feed = feed;
  }

  /** Publishes `count` bench messages; refuses (429) while another burst runs. */
  async publish(count: number): Promise<BurstResponse> {
    if (this.#running) throw new PushraceError('BURST_IN_PROGRESS');
    this.#running = true;
    try {
      let first = 0;
      let last = 0;
      let done = 0;
      while (done < count) {
        if (this.#closed) throw new PushraceError('SHUTTING_DOWN', `the server closed after ${done} of ${count}`);
        const sliceStart = performance.now();
        do {
          const { message } = await this.#feed.publish({ source: 'bench', body: `burst ${done + 1}/${count}` });
          if (first === 0) first = message.seq;
          last = message.seq;
          done++;
        } while (done < count && performance.now() - sliceStart < SLICE_MS);
        if (done < count) await new Promise((resolve) => setImmediate(resolve));
      }
      return { first, last, count };
    } finally {
      this.#running = false;
    }
  }

  /** The server is closing: a running burst stops at its next slice. */
  close(): void {
    this.#closed = true;
  }
}
