import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import type { Stats } from './stats.ts';

/** Why a stream was throttled or cut for its own slowness (backpressure). */
export type DropReason = 'paused' | 'closed';

/** A refused or punished request, by kind, for the violations counter and the log. */
export type Violation =
  | 'rate_limited'
  | 'rate_limit_close'
  | 'unauthorized'
  | 'forbidden_origin'
  | 'unknown_host'
  | 'too_many_connections'
  | 'too_many_headers'
  | 'protocol';

/**
 * The Prometheus view of one server (`GET /metrics`). Gauges and delivery counts are read from
 * `Stats` at scrape time, so there is one source of truth; what Stats does not know (drops,
 * close codes, violations, publish latency, event-loop delay) is recorded here. Each server
 * has its own registry, so several servers in one process (tests) do not collide.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #drops: Counter<'transport' | 'reason'>;
  readonly #closes: Counter<'transport' | 'code'>;
  readonly #violations: Counter<'kind'>;
  readonly #publish: Histogram;
  readonly #loop = monitorEventLoopDelay({ resolution: 10 });

  constructor(stats: Stats) {
    const registers = [this.registry];
    new Gauge({
      name: 'pushrace_connections',
      help: 'Open connections (sockets, streams) per transport',
      labelNames: ['transport'],
      registers,
      collect() {
        for (const t of TRANSPORT_NAMES) this.set({ transport: t }, stats.transports[t].connections);
      },
    });
    new Gauge({
      name: 'pushrace_long_poll_held',
      help: 'Long-poll requests held by the server right now',
      registers,
      collect() {
        this.set(stats.transports['long-poll'].held);
      },
    });
    const seen = new Map<TransportName, number>();
    new Counter({
      name: 'pushrace_deliveries_total',
      help: 'Messages handed to a client, one per message per client',
      labelNames: ['transport'],
      registers,
      collect() {
        for (const t of TRANSPORT_NAMES) {
          const now = stats.transports[t].delivered;
          const delta = now - (seen.get(t) ?? 0);
          if (delta > 0) this.inc({ transport: t }, delta);
          seen.set(t, now);
        }
      },
    });
    this.#drops = new Counter({
      name: 'pushrace_slow_consumer_total',
      help: 'Streams paused on a full send buffer, and streams closed for staying full',
      labelNames: ['transport', 'reason'],
      registers,
    });
    this.#closes = new Counter({
      name: 'pushrace_closes_total',
      help: 'Streams ended by the server or the peer, by close code (SSE: "end")',
      labelNames: ['transport', 'code'],
      registers,
    });
    this.#violations = new Counter({
      name: 'pushrace_violations_total',
      help: 'Refused or punished requests by kind',
      labelNames: ['kind'],
      registers,
    });
    this.#publish = new Histogram({
      name: 'pushrace_publish_seconds',
      help: 'Time to validate and store one publish (until every subscriber was notified)',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    });
    const loop = this.#loop;
    loop.enable();
    new Gauge({
      name: 'pushrace_event_loop_delay_seconds',
      help: 'Event-loop delay since the previous scrape',
      labelNames: ['quantile'],
      registers,
      collect() {
        this.set({ quantile: '0.5' }, loop.percentile(50) / 1e9);
        this.set({ quantile: '0.99' }, loop.percentile(99) / 1e9);
        this.set({ quantile: '1' }, loop.max / 1e9);
        loop.reset();
      },
    });
    new Gauge({
      name: 'pushrace_process_resident_memory_bytes',
      help: 'Resident set size of the server process',
      registers,
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });
  }

  drop(transport: TransportName, reason: DropReason): void {
    this.#drops.inc({ transport, reason });
  }

  close(transport: TransportName, code: number | 'end'): void {
    this.#closes.inc({ transport, code: String(code) });
  }

  violation(kind: Violation): void {
    this.#violations.inc({ kind });
  }

  /** Starts timing a publish; call the result when it is stored. */
  publishTimer(): () => void {
    const end = this.#publish.startTimer();
    return () => {
      end();
    };
  }

  /** The text exposition format, and its content type. */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  /** Stops the event-loop monitor (server close). */
  stop(): void {
    this.#loop.disable();
  }
}
