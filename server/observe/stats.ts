import {
  type ByteSplit,
  type StatsResponse,
  TRANSPORT_NAMES,
  type TransportName,
  type TransportStats,
} from '../../protocol/wire.ts';
import { WireLog } from '../inspect/wire-log.ts';

const bytes = (): ByteSplit => ({ header: 0, payload: 0 });

/** A transport's cumulative counters at zero: what `clear()` resets. */
const cumulative = () => ({
  requests: 0,
  emptyResponses: 0,
  timeouts: 0,
  delivered: 0,
  bytesIn: bytes(),
  bytesOut: bytes(),
});

/** A transport's counters at zero; the gauges (connections, held) say what is open now. */
const counters = (): TransportStats => ({ connections: 0, held: 0, ...cumulative() });

/** Wire bytes and requests that belong to no transport (the page, /api/stats, publishing). */
export interface OtherCounters {
  requests: number;
  bytesIn: ByteSplit;
  bytesOut: ByteSplit;
}

/**
 * The server's counters, one mutable object per transport. Transports own the gauges and
 * delivery counts; the socket meter owns requests and bytes. Read through `snapshot()`.
 */
export class Stats {
  readonly transports: Record<TransportName, TransportStats>;
  readonly other: OtherCounters;
  /** Exact heads and frame headers last seen per transport, for `GET /api/inspect` (filled by the meter). */
  readonly wire = new WireLog();
  #since = Date.now();

  constructor() {
    this.transports = Object.fromEntries(TRANSPORT_NAMES.map((n) => [n, counters()])) as Record<
      TransportName,
      TransportStats
    >;
    this.other = { requests: 0, bytesIn: bytes(), bytesOut: bytes() };
  }

  /** A deep copy for `GET /api/stats`. */
  snapshot(feed: { epoch: string; head: number }): StatsResponse {
    return {
      epoch: feed.epoch,
      head: feed.head,
      since: this.#since,
      transports: structuredClone(this.transports),
      other: structuredClone(this.other),
    };
  }

  /**
   * Zeroes the cumulative counters (requests, bytes, deliveries); keeps the gauges
   * (connections, held), which describe what is open now.
   */
  clear(): void {
    for (const t of Object.values(this.transports)) Object.assign(t, cumulative());
    Object.assign(this.other, { requests: 0, bytesIn: bytes(), bytesOut: bytes() });
    this.wire.clear();
    this.#since = Date.now();
  }
}
