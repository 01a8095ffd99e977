import {
  type ByteSplit,
  type EndpointStats,
  type StatsResponse,
  TRANSPORT_NAMES,
  type TransportName,
  type TransportStats,
} from '../../protocol/wire.ts';
import { WireLog } from '../inspect/wire-log.ts';

const bytes = (): ByteSplit => ({ header: 0, payload: 0 });
const zero = (): EndpointStats => ({ requests: 0, bytesIn: bytes(), bytesOut: bytes() });

/** What a transport counts itself: its gauges and deliveries (the meter counts its bytes). */
export type TransportCounters = Omit<TransportStats, keyof EndpointStats>;

/** A transport's own cumulative counters at zero: what `clear()` resets. */
const cumulative = () => ({ emptyResponses: 0, timeouts: 0, delivered: 0 });

/**
 * Where the socket meter counts a request and its answer: one of a transport's paths, or
 * `other` (the page, the API, anything else). A fixed set, registered when the transports
 * mount: request paths come from clients and must never grow a map.
 */
export interface Endpoint {
  readonly path: string;
  /** The transport whose connections gauge counts sockets here; null for `other`. */
  readonly transport: TransportName | null;
  /** Whether requests of every method count here (socket.io's POSTs), not only GETs. */
  anyMethod: boolean;
  /** Requests and bytes here (replaced, not zeroed, by `clear()`). */
  counters: EndpointStats;
}

const add = (into: ByteSplit, from: ByteSplit) => {
  into.header += from.header;
  into.payload += from.payload;
};

/**
 * The server's counters. Transports own their gauges and deliveries (`transports`); the
 * socket meter owns requests and bytes, per endpoint. Read through `snapshot()`, which sums
 * each transport's endpoints.
 */
export class Stats {
  readonly transports: Record<TransportName, TransportCounters>;
  readonly other: Endpoint = { path: '*', transport: null, anyMethod: true, counters: zero() };
  /** Exact heads and frames of tagged connections, for `GET /api/inspect` (filled by the meter). */
  readonly wire = new WireLog();
  readonly #endpoints = new Map<string, Endpoint>();
  #since = Date.now();

  constructor() {
    this.transports = Object.fromEntries(
      TRANSPORT_NAMES.map((n) => [n, { connections: 0, held: 0, ...cumulative() }]),
    ) as Record<TransportName, TransportCounters>;
  }

  /**
   * Registers `path` as an endpoint of `transport` (idempotent); the meter counts its GETs
   * there, or its requests of every method with `anyMethod`.
   */
  endpoint(transport: TransportName, path: string, anyMethod = false): Endpoint {
    let e = this.#endpoints.get(path);
    if (!e) {
      e = { path, transport, anyMethod, counters: zero() };
      this.#endpoints.set(path, e);
    }
    if (anyMethod) e.anyMethod = true;
    return e;
  }

  /** The endpoint registered at `path`, or `other`. */
  endpointAt(path: string): Endpoint {
    return this.#endpoints.get(path) ?? this.other;
  }

  /** A deep copy for `GET /api/stats`. */
  snapshot(feed: { epoch: string; head: number }): StatsResponse {
    return { epoch: feed.epoch, head: feed.head, since: this.#since, ...this.counts() };
  }

  /** The counters alone, each transport's requests and bytes summed from its endpoints (a deep copy). */
  counts(): Pick<StatsResponse, 'transports' | 'endpoints' | 'other'> {
    const transports = {} as Record<TransportName, TransportStats>;
    for (const name of TRANSPORT_NAMES) transports[name] = { ...this.transports[name], ...zero() };
    const endpoints: StatsResponse['endpoints'] = {};
    for (const e of this.#endpoints.values()) {
      if (e.transport === null) continue;
      const c = structuredClone(e.counters);
      endpoints[e.path] = { transport: e.transport, ...c };
      const t = transports[e.transport];
      t.requests += c.requests;
      add(t.bytesIn, c.bytesIn);
      add(t.bytesOut, c.bytesOut);
    }
    return { transports, endpoints, other: structuredClone(this.other.counters) };
  }

  /**
   * Zeroes the cumulative counters (requests, bytes, deliveries); keeps the gauges
   * (connections, held), which describe what is open now.
   */
  clear(): void {
    for (const t of Object.values(this.transports)) Object.assign(t, cumulative());
    for (const e of [...this.#endpoints.values(), this.other]) e.counters = zero();
    this.wire.clear();
    this.#since = Date.now();
  }
}
