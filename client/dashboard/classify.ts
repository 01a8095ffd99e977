/**
 * Which deliveries are live. A lane that was paused (or reconnecting) and resumes gets, at
 * once, every message published meanwhile; a burst puts hundreds of messages in one queue.
 * Their latencies are true, but they measure the pause or the queue, not the transport, so
 * the live statistics (CDF, percentiles, the model card, a lane's mean) leave them out and the
 * page counts them apart. Pure, so the rules are unit-tested (test/unit/classify.test.ts).
 */

/**
 * - `live`: published while the lane was listening, outside a burst.
 * - `catch-up`: published before the lane (re)started listening, delivered from its cursor.
 * - `burst`: a burst's message, or one delivered in the same backlog as a burst.
 */
export type SampleKind = 'live' | 'catch-up' | 'burst';

/** What the rules need of a message. */
export interface Classified {
  seq: number;
  /** Publish time, on the clock of the lane's receive times. */
  ts: number;
  source: string;
}

/** A burst in progress: since the click, until each lane has delivered its last message. */
interface OpenBurst<N> {
  since: number;
  /** The burst's last seq, once the server's 201 told it. */
  last: number | undefined;
  /** Lanes that have not delivered the last message yet. */
  open: Set<N>;
}

export class SampleClassifier<N extends string> {
  readonly #since = new Map<N, number>();
  readonly #lastSeq = new Map<N, number>();
  #burst: OpenBurst<N> | undefined;

  /** The lane listens live from `at` on (a start, a resume, a reconnect that succeeded). */
  listening(name: N, at: number): void {
    this.#since.set(name, at);
  }

  /** A burst was asked for at `at`: until it is through, every lane's backlog is the burst's. */
  burstStarted(at: number, lanes: readonly N[]): void {
    this.#burst = { since: at, last: undefined, open: new Set(lanes) };
  }

  /** The server stored the burst up to `last`; lanes already past it are through. */
  burstStored(last: number): void {
    const b = this.#burst;
    if (!b) return;
    b.last = last;
    for (const name of [...b.open]) if ((this.#lastSeq.get(name) ?? -1) >= last) b.open.delete(name);
    if (b.open.size === 0) this.#burst = undefined;
  }

  /** The burst was refused or the server is gone: nothing more is attributed to it. */
  burstFailed(): void {
    this.#burst = undefined;
  }

  /** The kind of each message of a batch one lane received, in order. */
  classify(name: N, batch: readonly Classified[]): SampleKind[] {
    const since = this.#since.get(name) ?? Number.NEGATIVE_INFINITY;
    const b = this.#burst;
    const inBurst = b?.open.has(name) === true && batch.some((m) => m.source === 'bench' || m.ts >= b.since);
    const kinds = batch.map((m): SampleKind => {
      if (inBurst || m.source === 'bench') return 'burst';
      return m.ts < since ? 'catch-up' : 'live';
    });
    const last = batch[batch.length - 1]?.seq;
    if (last !== undefined) this.#lastSeq.set(name, last);
    if (b && b.last !== undefined && last !== undefined && last >= b.last) {
      b.open.delete(name);
      if (b.open.size === 0) this.#burst = undefined;
    }
    return kinds;
  }
}
