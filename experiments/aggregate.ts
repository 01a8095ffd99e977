/**
 * Raw measurements → one `TransportResult`. The harness collects (what each client received,
 * when, and the server's socket counters before and after the window); this module only
 * computes, so every figure in a report can be recomputed and tested without a network.
 *
 * Delivery is checked exactly, message by message, against the set of seqs published in the
 * window: a lost or duplicated message is a bug to report loudly, never a statistic to average.
 */
import type { StatsResponse, TransportName, TransportStats } from '../protocol/wire.ts';
import { compactCdf, summarizeLatency } from './latency.ts';
import { expectTransport, type WireFacts } from './model.ts';
import type { ModelInputs, ServerUsage, TransportResult } from './results-schema.ts';

export { checkTargets } from './targets.ts';

/** Thresholds of the aggregation, in one place. */
export const AGGREGATE_DEFAULTS = {
  /**
   * A client process above this CPU share of one core was too busy to take receive times on
   * time: its latencies measure the client, not the transport.
   */
  clientSaturatedPercent: 90,
};

/** What one client saw during the measured window. */
export interface ClientSamples {
  /** Seqs in the order received, duplicates and all (as the transport handed them over). */
  received: ArrayLike<number>;
  /** Delivery latency of each reception in ms (`receivedAt − ts`), aligned with `received`. */
  latenciesMs: ArrayLike<number>;
  /** HTTP requests the client made in the window (its own count, a cross-check of the server's). */
  requests: number;
}

/** Everything measured for one transport in one run. */
export interface TransportInput {
  transport: TransportName;
  clients: readonly ClientSamples[];
  /** Seqs published in the window: every client must receive each exactly once, in order. */
  published: readonly number[];
  /** `GET /api/stats` taken after the clients connected and before the first publish. */
  before: StatsResponse;
  /** `GET /api/stats` taken after every client received the last message (or gave up). */
  after: StatsResponse;
  /** Wall time between the two snapshots, ms. */
  durationMs: number;
  server: ServerUsage;
  /** CPU share of one core used by the client process during the window. */
  clientCpuPercent: number;
  /**
   * The conditions the model is evaluated for. `ratePerSec` defaults to the measured publish
   * rate (published / duration); everything else to MODEL_DEFAULTS.
   */
  model: Partial<ModelInputs>;
  /** Mean `JSON.stringify(message).length` of the published messages; enables the bytes model. */
  messageBytes?: number;
  /** Tunables; see AGGREGATE_DEFAULTS. */
  options?: Partial<typeof AGGREGATE_DEFAULTS>;
}

/** The result, and what the reader must be told about it (loud, in plain words). */
export interface Aggregated {
  result: TransportResult;
  warnings: string[];
}

/** Raised when the two stats snapshots cannot be subtracted: the numbers would be fiction. */
export class StatsDeltaError extends Error {
  override name = 'StatsDeltaError';
}

/** Exact delivery accounting of all clients against the published set. */
export interface DeliveryCount {
  delivered: number;
  expected: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Receptions of seqs that were not published in the window (another publisher?). */
  unexpected: number;
  /** Receptions whose latency was negative (clock disagreement), counted as 0 ms. */
  negative: number;
  /** Latency of each first reception of a published seq, ms. */
  latenciesMs: Float64Array;
}

/**
 * Counts, per client, against the published seqs: a reception of a seq already received is a
 * duplicate; a first reception after a higher seq is out of order; a published seq never
 * received is lost. Only first receptions contribute a latency sample.
 */
export function countDeliveries(published: readonly number[], clients: readonly ClientSamples[]): DeliveryCount {
  const index = new Map<number, number>();
  for (const seq of published) if (!index.has(seq)) index.set(seq, index.size);
  const total = clients.reduce((s, c) => s + c.received.length, 0);
  const latencies = new Float64Array(total);
  const out = { delivered: 0, expected: index.size * clients.length, lost: 0, duplicated: 0, outOfOrder: 0 };
  let unexpected = 0;
  let negative = 0;
  let n = 0;
  for (const [ci, c] of clients.entries()) {
    if (c.latenciesMs.length !== c.received.length) {
      throw new Error(
        `client ${ci}: ${c.received.length} receptions but ${c.latenciesMs.length} latencies (they must be aligned)`,
      );
    }
    const seen = new Uint8Array(index.size);
    let highest = Number.NEGATIVE_INFINITY;
    let mine = 0;
    for (let i = 0; i < c.received.length; i++) {
      const seq = c.received[i] ?? Number.NaN;
      const at = index.get(seq);
      if (at === undefined) {
        unexpected++;
        continue;
      }
      if (seen[at] === 1) {
        out.duplicated++;
        continue;
      }
      seen[at] = 1;
      mine++;
      if (seq < highest) out.outOfOrder++;
      else highest = seq;
      const ms = c.latenciesMs[i] ?? 0;
      if (ms < 0) negative++;
      latencies[n++] = Math.max(0, ms);
    }
    out.delivered += mine;
    out.lost += index.size - mine;
  }
  return { ...out, unexpected, negative, latenciesMs: latencies.subarray(0, n) };
}

type Counter = 'requests' | 'emptyResponses' | 'timeouts' | 'delivered';

/**
 * `after − before` for one transport. Refuses snapshots from different server lifetimes
 * (epoch or `since` changed: restarted or cleared) and any counter that went backwards.
 */
export function statsDelta(
  transport: TransportName,
  before: StatsResponse,
  after: StatsResponse,
): Pick<TransportStats, Counter | 'bytesIn' | 'bytesOut'> {
  if (before.epoch !== after.epoch) {
    throw new StatsDeltaError(
      `the server's epoch changed during the window (${before.epoch} → ${after.epoch}): it restarted`,
    );
  }
  if (before.since !== after.since) {
    throw new StatsDeltaError("the server's counters were cleared during the window (stats.since changed)");
  }
  const a = after.transports[transport];
  const b = before.transports[transport];
  const diff = (x: number, y: number, what: string) => {
    if (x < y) throw new StatsDeltaError(`${transport}.${what} went backwards (${y} → ${x})`);
    return x - y;
  };
  return {
    requests: diff(a.requests, b.requests, 'requests'),
    emptyResponses: diff(a.emptyResponses, b.emptyResponses, 'emptyResponses'),
    timeouts: diff(a.timeouts, b.timeouts, 'timeouts'),
    delivered: diff(a.delivered, b.delivered, 'delivered'),
    bytesIn: {
      header: diff(a.bytesIn.header, b.bytesIn.header, 'bytesIn.header'),
      payload: diff(a.bytesIn.payload, b.bytesIn.payload, 'bytesIn.payload'),
    },
    bytesOut: {
      header: diff(a.bytesOut.header, b.bytesOut.header, 'bytesOut.header'),
      payload: diff(a.bytesOut.payload, b.bytesOut.payload, 'bytesOut.payload'),
    },
  };
}

const ratio = (x: number, y: number): number | null => (y > 0 ? x / y : null);

function meanDigits(seqs: readonly number[]): number {
  if (seqs.length === 0) return 1;
  return seqs.reduce((s, q) => s + String(q).length, 0) / seqs.length;
}

/** Aggregates one transport's window into a `TransportResult` and the warnings it calls for. */
export function aggregateTransport(input: TransportInput): Aggregated {
  const opts = { ...AGGREGATE_DEFAULTS, ...input.options };
  const { transport: t, clients, durationMs } = input;
  const delta = statsDelta(t, input.before, input.after);
  const count = countDeliveries(input.published, clients);
  const clientRequests = clients.reduce((s, c) => s + c.requests, 0);
  const saturated = input.clientCpuPercent >= opts.clientSaturatedPercent;

  const http = t === 'poll' || t === 'long-poll';
  const wire: WireFacts | null =
    input.messageBytes !== undefined && (!http || delta.requests > 0)
      ? {
          messageBytes: input.messageBytes,
          seqDigits: meanDigits(input.published),
          epochLength: input.after.epoch.length,
          requestHeadBytes: http ? delta.bytesIn.header / delta.requests : 0,
          responseHeadBytes: http ? delta.bytesOut.header / delta.requests : 0,
        }
      : null;
  const measuredRate = durationMs > 0 ? (new Set(input.published).size * 1000) / durationMs : 0;
  const model = expectTransport(t, { ratePerSec: measuredRate, ...definedOnly(input.model) }, wire);

  const result: TransportResult = {
    clients: clients.length,
    durationMs,
    latency: summarizeLatency(count.latenciesMs),
    cdf: compactCdf(count.latenciesMs),
    delivered: count.delivered,
    expected: count.expected,
    lost: count.lost,
    duplicated: count.duplicated,
    outOfOrder: count.outOfOrder,
    requests: delta.requests,
    clientRequests,
    requestsPerDelivered: ratio(delta.requests, count.delivered),
    emptyResponses: delta.emptyResponses,
    emptyRatio: ratio(delta.emptyResponses, delta.requests),
    timeouts: delta.timeouts,
    bytes: {
      in: delta.bytesIn,
      out: delta.bytesOut,
      perDelivered: {
        header: ratio(delta.bytesOut.header, count.delivered),
        payload: ratio(delta.bytesOut.payload, count.delivered),
      },
    },
    server: input.server,
    client: { cpuPercent: input.clientCpuPercent, saturated },
    model,
  };

  return { result, warnings: warningsFor(t, result, count, delta.delivered) };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Plain-words warnings, loudest first. */
function warningsFor(t: TransportName, r: TransportResult, c: DeliveryCount, serverDelivered: number): string[] {
  const w: string[] = [];
  if (r.lost > 0) w.push(`BUG: ${t} lost ${r.lost} of ${r.expected} messages (lost must be 0).`);
  if (r.duplicated > 0) w.push(`BUG: ${t} delivered ${r.duplicated} duplicates (duplicated must be 0).`);
  if (r.outOfOrder > 0) w.push(`BUG: ${t} delivered ${r.outOfOrder} messages out of order.`);
  if (r.client.saturated) {
    w.push(
      `${t}: the client process used ${Math.round(r.client.cpuPercent)}% of a core: its receive times were late, ` +
        'so these latencies measure the client, not the transport. Use fewer clients per process.',
    );
  }
  if (c.unexpected > 0) {
    w.push(
      `${t}: ${c.unexpected} receptions of seqs not published in the window (another publisher? run the server with SOURCES=none).`,
    );
  }
  if (c.negative > 0) {
    w.push(`${t}: ${c.negative} latencies were negative (client and server clocks disagree) and were counted as 0 ms.`);
  }
  const received = r.delivered + r.duplicated + c.unexpected;
  if (serverDelivered !== received) {
    w.push(`${t}: the server counted ${serverDelivered} deliveries, the clients ${received} receptions.`);
  }
  if (Math.abs(r.requests - r.clientRequests) > r.clients) {
    w.push(`${t}: the server counted ${r.requests} requests, the clients ${r.clientRequests}.`);
  }
  return w;
}
