/**
 * The results format: what one experiment run writes to DIR/results.json and what `report`
 * renders from. Plain JSON data, versioned, so a report can be re-rendered (or compared) long
 * after the run without re-running it. docs/results-schema.md is the prose version of this file
 * and must say the same thing; `parseResults` (results-schema.ts) checks a file against it.
 *
 * Units: times in ms, sizes in bytes, rates per second, CPU in percent of one core.
 * A figure that cannot exist (per delivered message when nothing was delivered) is `null`,
 * never NaN or 0, so that "none" and "zero" stay different.
 */
import type { ByteSplit, TransportName } from '../protocol/wire.ts';

export type { ByteSplit, TransportName } from '../protocol/wire.ts';

/**
 * The format version. Bump it on any change a reader of version N could misread (a renamed or
 * re-meant field, a changed unit); adding an optional field does not need a bump. `report`
 * refuses every other version instead of guessing.
 */
export const RESULTS_VERSION = 1;

/** The experiments the harness knows, named as on the command line. */
export const SCENARIOS = ['steady', 'burst', 'idle', 'interval-sweep', 'rtt', 'scale', 'capacity'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** One whole experiment: a scenario, where it ran, and one `Run` per sweep point. */
export interface Results {
  version: typeof RESULTS_VERSION;
  scenario: ScenarioName;
  /** The scenario's parameters as given (defaults applied): clients, rate, duration, … */
  params: Record<string, number | string | boolean>;
  environment: Environment;
  /** One per sweep point (poll interval, rtt, clients); a single one for a scenario without a sweep. */
  runs: Run[];
  /** The performance targets (targets.ts) this scenario exercised (`checkTargets`), met or not. */
  targets?: TargetCheck[];
  /**
   * Anything a reader must know before trusting a number, in plain words: lost or duplicated
   * messages (a bug), saturated client cores, counters that disagree. Renderers show these
   * first; they also recompute the loud ones from the data, so an empty list cannot hide them.
   */
  warnings: string[];
}

/** Where the numbers came from, so two reports can be compared fairly (or not). */
export interface Environment {
  /** `process.version`, e.g. `v20.19.0`. */
  node: string;
  /** `os.cpus()[0].model`. */
  cpuModel: string;
  /** Logical cores (`os.availableParallelism()`). */
  cores: number;
  /** `process.platform`/`process.arch`, e.g. `linux/x64`. */
  platform: string;
  /** `git rev-parse HEAD` of the code that ran, null outside a git checkout; `+dirty` when uncommitted changes. */
  gitCommit: string | null;
  /** ISO 8601 time the experiment started. */
  startedAt: string;
  /** Wall time of the whole experiment, ms. */
  durationMs: number;
}

/** One sweep point: every transport measured under the same conditions. */
export interface Run {
  /** Human label for tables and charts, e.g. `T=1000 ms`, `rtt 20 ms`, `1000 clients`. */
  label: string;
  /**
   * The sweep coordinates of this run, e.g. `{ pollIntervalMs: 1000 }`. Renderers use the first
   * numeric key whose value differs between runs as the x axis of the sweep charts.
   */
  point: Record<string, number | string>;
  transports: Partial<Record<TransportName, TransportResult>>;
  /** Only in the `capacity` scenario: autocannon against the poll route and a bare Koa route. */
  capacity?: CapacityResult;
}

/** Delivery latency percentiles in ms (publish `ts` → client receive time). */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
  mean: number;
  /** Samples: one per message delivered to a client (first reception only). */
  count: number;
}

/** Everything measured for one transport in one run, next to what the model expected. */
export interface TransportResult {
  /** Clients of this transport during the run. */
  clients: number;
  /** The measured window (between the two stats snapshots), ms: the denominator of every rate. */
  durationMs: number;
  /** Null when nothing was delivered (the idle scenario). */
  latency: LatencySummary | null;
  /** Empirical CDF of delivery latency, `[ms, fraction ≤ ms]`, ascending, ≤ 200 points, ending at fraction 1. */
  cdf: Array<[number, number]>;
  /** Distinct published messages received, summed over clients. */
  delivered: number;
  /** Published messages × clients: what `delivered` must equal. */
  expected: number;
  /** Expected messages a client never received. Must be 0: anything else is a bug. */
  lost: number;
  /** Receptions of a message the client already had. Must be 0: anything else is a bug. */
  duplicated: number;
  /** First receptions that came after a higher seq (the cursor contract forbids it). */
  outOfOrder: number;
  /** HTTP requests on the wire for this transport's route (server socket count; ws: upgrades). */
  requests: number;
  /** What the clients themselves counted, a cross-check of `requests`. */
  clientRequests: number;
  /** `requests / delivered`; null when nothing was delivered. */
  requestsPerDelivered: number | null;
  /** Poll answers with no message and long-poll 204s. */
  emptyResponses: number;
  /** `emptyResponses / requests`; null when there were no requests. */
  emptyRatio: number | null;
  /** Long-polls the server answered 204 because their timeout passed. */
  timeouts: number;
  /** Wire bytes counted by the server's sockets during the window. `in` = client → server. */
  bytes: {
    in: ByteSplit;
    out: ByteSplit;
    /** `out` divided by `delivered`; null when nothing was delivered. */
    perDelivered: { header: number | null; payload: number | null };
  };
  server: ServerUsage;
  client: ClientUsage;
  /** What the model predicts for these conditions (model.ts), drawn next to the measurement. */
  model: ModelExpectation;
}

/** The server process during the window. */
export interface ServerUsage {
  /** CPU time / wall time, percent of one core (can exceed 100 with worker threads). */
  cpuPercent: number;
  /** Resident set size at the end of the window. */
  rssBytes: number;
  /** RSS before this transport's clients connected; null when not taken. Gives RSS per connection. */
  rssBaselineBytes: number | null;
  /** p99 of `perf_hooks.monitorEventLoopDelay` during the window, ms. */
  eventLoopDelayP99Ms: number;
}

/** The load-generating process during the window. */
export interface ClientUsage {
  cpuPercent: number;
  /**
   * The client core was (nearly) fully busy: receive times were taken late, so the latencies
   * measure the client, not the transport, and must not be trusted.
   */
  saturated: boolean;
}

/**
 * The conditions the model was evaluated for. `rttMs` is network round trip only; `serviceMs`
 * is the processing time of one exchange (server handling + client parsing).
 */
export interface ModelInputs {
  pollIntervalMs: number;
  rttMs: number;
  serviceMs: number;
  longPollTimeoutMs: number;
  /** Messages published per second (all sources). 0 = idle. */
  ratePerSec: number;
  /** Messages published together (the burst scenario); 1 otherwise. */
  burstSize: number;
  /** `random`: publish times independent of the clients (Poisson); `periodic`: a fixed period. */
  arrivals: 'random' | 'periodic';
  /** SSE comment heartbeat period (bytes while idle). */
  sseHeartbeatMs: number;
}

/** The model's prediction, with the inputs it used and a sentence saying why. */
export interface ModelExpectation {
  inputs: ModelInputs;
  latency: { p50: number; p99: number; mean: number };
  /** Requests per client per second. */
  requestsPerSecPerClient: number;
  /** Null when no message is expected (idle). */
  requestsPerDelivered: number | null;
  /** Long-poll timeouts per client per second (0 for the others). */
  timeoutsPerSecPerClient: number;
  /** Expected wire bytes per delivered message (steady state: handshakes excluded); null when idle. */
  bytesPerDelivered: { in: ByteSplit; out: ByteSplit } | null;
  /** Plain words: where the latency comes from, for the reader of the report. */
  explanation: string;
}

/** autocannon figures for one route. */
export interface LoadFigures {
  /** Path hit, e.g. `/api/poll?after=0` or `/hello`. */
  path: string;
  connections: number;
  pipelining: number;
  durationMs: number;
  requests: number;
  /** Mean requests per second over the run. */
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Socket errors and timeouts. */
  errors: number;
  non2xx: number;
}

/** The capacity scenario: the poll route against a bare Koa route, in the same run. */
export interface CapacityResult {
  poll: LoadFigures;
  bare: LoadFigures;
  /** `poll.requestsPerSec / bare.requestsPerSec`. */
  ratio: number;
}

/** One performance target (targets.ts), checked against this run. */
export interface TargetCheck {
  /** Short name, e.g. `ws fan-out p99 at 10 000 clients`. */
  name: string;
  /** The target in words, e.g. `p99 < 50 ms`. */
  target: string;
  measured: number;
  unit: string;
  met: boolean;
  /** Where the number came from (run label, transport) and anything that qualifies it. */
  note: string;
}
