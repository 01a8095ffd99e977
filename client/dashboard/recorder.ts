/**
 * What the race lanes measured, per transport, over the last minute: latency samples and the
 * client library's request records. The charts, the timeline and the model card read it; only
 * the lanes write it, so every number drawn comes from one place.
 */
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import type { FeedMessage, RequestRecord } from '../lib/types.ts';

/** One delivered message: when it arrived and how long it took from publish. */
export interface Sample {
  at: number;
  latency: number;
  seq: number;
}

/** Client-side running totals since the last clear (not windowed). */
export interface ClientCounts {
  requests: number;
  empty: number;
  timeouts: number;
  messages: number;
}

/** How far back samples and records are kept, ms. */
export const WINDOW_MS = 60_000;
/** Hard cap per transport, so a burst of thousands cannot grow memory without bound. */
const CAP = 5000;

const perTransport = <T>(make: () => T) =>
  Object.fromEntries(TRANSPORT_NAMES.map((n) => [n, make()])) as Record<TransportName, T>;

function trim<T extends { at: number }>(xs: T[], now: number): void {
  let drop = 0;
  while (drop < xs.length && (xs[drop]?.at ?? now) < now - WINDOW_MS) drop++;
  drop = Math.max(drop, xs.length - CAP);
  if (drop > 0) xs.splice(0, drop);
}

export class Recorder {
  readonly samples = perTransport<Sample[]>(() => []);
  readonly records = perTransport<(RequestRecord & { at: number })[]>(() => []);
  readonly counts = perTransport<ClientCounts>(() => ({ requests: 0, empty: 0, timeouts: 0, messages: 0 }));
  /** UTF-8 size of the last WebSocket text frame received, for the frame-header model. */
  lastWsFrameBytes = Number.NaN;

  addMessages(name: TransportName, batch: readonly FeedMessage[], receivedAt: number): void {
    const xs = this.samples[name];
    for (const m of batch) xs.push({ at: receivedAt, latency: receivedAt - m.ts, seq: m.seq });
    this.counts[name].messages += batch.length;
    trim(xs, receivedAt);
  }

  addRecord(name: TransportName, r: RequestRecord): void {
    const xs = this.records[name];
    xs.push({ ...r, at: r.doneAt });
    const c = this.counts[name];
    if (r.kind === 'http' || r.kind === 'open') c.requests++;
    if (r.outcome === 'empty') c.empty++;
    if (r.outcome === 'timeout') c.timeouts++;
    if (r.kind === 'frame-in' && r.messages > 0) this.lastWsFrameBytes = r.bytes;
    trim(xs, r.doneAt);
  }

  /** Sorted latencies of the window, for percentiles and the CDF. */
  sortedLatencies(name: TransportName): number[] {
    return this.samples[name].map((s) => s.latency).sort((a, b) => a - b);
  }

  clear(): void {
    for (const n of TRANSPORT_NAMES) {
      this.samples[n].length = 0;
      this.records[n].length = 0;
      Object.assign(this.counts[n], { requests: 0, empty: 0, timeouts: 0, messages: 0 });
    }
  }
}
