/**
 * What the race lanes measured, per transport, in the current measurement window (at most the
 * last five minutes): latency samples, each marked live, catch-up or burst (classify.ts), and the
 * client library's request records. The charts, the timeline and the model card read it; only
 * the lanes write it, so every number drawn comes from one place.
 *
 * A new window starts when something the models depend on changes (the poll interval, the
 * long-poll timeout, the feed's settings, the lanes' hosts) or the counters are cleared: the
 * samples measured under the old setting are dropped, so "expected 100 ms, measured 619 ms"
 * cannot come from mixing them.
 */
import type { BurstResponse } from '../../protocol/control.ts';
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import type { FeedMessage, RequestRecord } from '../lib/types.ts';
import { SampleClassifier, type SampleKind } from './classify.ts';

/** One delivered message: when it arrived, how long it took from publish, and whether it was live. */
export interface Sample {
  at: number;
  latency: number;
  seq: number;
  kind: SampleKind;
}

/** Client-side running totals since the last clear (not windowed). */
export interface ClientCounts {
  requests: number;
  empty: number;
  timeouts: number;
  messages: number;
}

/** Why the current measurement window started. */
export type WindowReason = 'start' | 'poll' | 'feed' | 'cleared' | 'hosts';

/** The current measurement window: since when, and why. */
export interface MeasurementWindow {
  since: number;
  reason: WindowReason;
}

/**
 * How far back samples and records are kept, ms: five minutes, so a presenter's percentiles rest
 * on a few hundred samples rather than the ~60 a minute of the default feed gives (the median
 * of 60 uniform poll waits still moves by ±6 % of T from run to run).
 */
export const WINDOW_MS = 300_000;
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

const clock = () => performance.timeOrigin + performance.now();

export class Recorder {
  readonly samples = perTransport<Sample[]>(() => []);
  readonly records = perTransport<(RequestRecord & { at: number })[]>(() => []);
  readonly counts = perTransport<ClientCounts>(() => ({ requests: 0, empty: 0, timeouts: 0, messages: 0 }));
  readonly #classifier = new SampleClassifier<TransportName>();
  /** UTF-8 size of the last WebSocket text frame received, for the frame-header model. */
  lastWsFrameBytes = Number.NaN;
  window: MeasurementWindow = { since: clock(), reason: 'start' };

  /** The lane listens live from now on (started, resumed, reconnected). */
  listening(name: TransportName): void {
    this.#classifier.listening(name, clock());
  }

  burstStarted(at: number): void {
    this.#classifier.burstStarted(at, TRANSPORT_NAMES);
  }

  burstStored(r: BurstResponse): void {
    this.#classifier.burstStored(r.last);
  }

  burstFailed(): void {
    this.#classifier.burstFailed();
  }

  /** Records a batch; returns each message's kind, for the lane's rows. */
  addMessages(name: TransportName, batch: readonly FeedMessage[], receivedAt: number): SampleKind[] {
    const kinds = this.#classifier.classify(name, batch);
    const xs = this.samples[name];
    batch.forEach((m, i) => {
      xs.push({ at: receivedAt, latency: receivedAt - m.ts, seq: m.seq, kind: kinds[i] ?? 'live' });
    });
    this.counts[name].messages += batch.length;
    trim(xs, receivedAt);
    return kinds;
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

  /** The live samples of the window: what the statistics and models are computed from. */
  live(name: TransportName): Sample[] {
    return this.samples[name].filter((s) => s.kind === 'live');
  }

  /** Sorted live latencies of the window, for percentiles and the CDF. */
  sortedLatencies(name: TransportName): number[] {
    return this.live(name)
      .map((s) => s.latency)
      .sort((a, b) => a - b);
  }

  /** Deliveries of the window counted apart from the live ones. */
  setApart(name: TransportName): Record<Exclude<SampleKind, 'live'>, number> {
    let catchUp = 0;
    let burst = 0;
    for (const s of this.samples[name]) {
      if (s.kind === 'catch-up') catchUp++;
      else if (s.kind === 'burst') burst++;
    }
    return { 'catch-up': catchUp, burst };
  }

  /** Starts a new measurement window: the samples of the old one are dropped. */
  newWindow(reason: WindowReason): void {
    this.window = { since: clock(), reason };
    for (const n of TRANSPORT_NAMES) this.samples[n].length = 0;
  }

  /** The counters were cleared: everything starts again. */
  clear(): void {
    this.newWindow('cleared');
    for (const n of TRANSPORT_NAMES) {
      this.records[n].length = 0;
      Object.assign(this.counts[n], { requests: 0, empty: 0, timeouts: 0, messages: 0 });
    }
  }
}
