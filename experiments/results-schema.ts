/**
 * The results format: what every experiment writes to DIR/results.json and what `report`
 * renders from, long after the run. This zod schema is the one statement of the format: the
 * TypeScript types are inferred from it and `parseResults` checks files against it, so types,
 * check and files cannot disagree. docs/results-schema.md says what the numbers mean.
 *
 * Every file has the same envelope (`version`, `scenario`, `params`, `environment`,
 * `warnings`) around its scenario's payload: `runs` (and `targets`) for the load scenarios,
 * `soak` for the soak (soak/schema.ts), `peers` for the peers comparison (peers/schema.ts).
 *
 * Units: times in ms, sizes in bytes, rates per second, CPU in percent of one core. A figure
 * that cannot exist (per delivered message when nothing was delivered) is `null`, never NaN or
 * 0, so that "none" and "zero" stay different.
 */
import { z } from 'zod';
import { TRANSPORT_NAMES } from '../protocol/wire.ts';
import { comparisonSchema, peersParamsSchema, peersSchema } from './peers/schema.ts';
import { soakParamsSchema, soakSchema } from './soak/schema.ts';

/**
 * The format version. Bump it on any change a reader of version N could misread (a renamed or
 * re-meant field, a changed unit); adding an optional field does not need a bump. `report`
 * refuses every other version instead of guessing.
 */
export const RESULTS_VERSION = 1;

/** The load scenarios (series of Runs), named as on the command line. */
export const SCENARIOS = ['steady', 'burst', 'idle', 'interval-sweep', 'rtt', 'scale', 'capacity'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** The soak: all four transports at once for minutes, judged on delivery and memory; not Runs. */
export const SOAK = 'soak';
/** pushrace side by side with bare Node, Koa and socket.io: ratios, not Runs. */
export const PEERS = 'peers';
/** Every experiment `npm run experiment` runs and `report` renders. */
export const EXPERIMENTS = [...SCENARIOS, SOAK, PEERS] as const;

/** Why a results file was refused; `message` is meant for the person who ran `report`. */
export class ResultsError extends Error {
  override name = 'ResultsError';
  constructor(
    message: string,
    /** `version` when the file is a results file of another version, `invalid` otherwise. */
    readonly code: 'version' | 'invalid',
  ) {
    super(message);
  }
}

const finite = z.number();
const count = z.number().int().nonnegative();
const nullableNumber = z.number().nullable();
const byteSplit = z.object({ header: count, payload: count });

/** Delivery latency percentiles in ms (publish `ts` → client receive time). */
const latency = z.object({
  p50: finite,
  p90: finite,
  p99: finite,
  p99_9: finite,
  max: finite,
  mean: finite,
  /** Samples: one per message delivered to a client (first reception only). */
  count,
});

/**
 * The conditions the model was evaluated for. `rttMs` is network round trip only; `serviceMs`
 * is the processing time of one exchange (server handling + client parsing).
 */
const modelInputs = z.object({
  pollIntervalMs: finite,
  rttMs: finite,
  serviceMs: finite,
  longPollTimeoutMs: finite,
  /** Messages published per second (all sources). 0 = idle. */
  ratePerSec: finite,
  /** Messages published together (the burst scenario); 1 otherwise. */
  burstSize: finite,
  /** `random`: publish times independent of the clients (Poisson); `periodic`: a fixed period. */
  arrivals: z.enum(['random', 'periodic']),
  /** SSE comment heartbeat period (bytes while idle). */
  sseHeartbeatMs: finite,
});

/** The model's prediction (model.ts), with the inputs it used and a sentence saying why. */
const model = z.object({
  inputs: modelInputs,
  latency: z.object({ p50: finite, p99: finite, mean: finite }),
  /** Requests per client per second. */
  requestsPerSecPerClient: finite,
  /** Null when no message is expected (idle). */
  requestsPerDelivered: nullableNumber,
  /** Long-poll timeouts per client per second (0 for the others). */
  timeoutsPerSecPerClient: finite,
  /** Expected wire bytes per delivered message (steady state: handshakes excluded); null when idle. */
  bytesPerDelivered: z
    .object({
      in: z.object({ header: finite, payload: finite }),
      out: z.object({ header: finite, payload: finite }),
    })
    .nullable(),
  /** Plain words: where the latency comes from, for the reader of the report. */
  explanation: z.string(),
});

/** The server process during the window. */
const serverUsage = z.object({
  /** CPU time / wall time, percent of one core (can exceed 100 with worker threads). */
  cpuPercent: finite,
  /** Resident set size at the end of the window. */
  rssBytes: count,
  /** RSS before this transport's clients connected; null when not taken. Gives RSS per connection. */
  rssBaselineBytes: count.nullable(),
  /** p99 of `perf_hooks.monitorEventLoopDelay` during the window, ms. */
  eventLoopDelayP99Ms: finite,
});

/** The load-generating process during the window. */
const clientUsage = z.object({
  cpuPercent: finite,
  /**
   * The client core was (nearly) fully busy: receive times were taken late, so the latencies
   * measure the client, not the transport, and must not be trusted.
   */
  saturated: z.boolean(),
});

/** Everything measured for one transport in one run, next to what the model expected. */
const transportResult = z.object({
  /** Clients of this transport during the run. */
  clients: count,
  /** The measured window (between the two stats snapshots), ms: the denominator of every rate. */
  durationMs: finite,
  /** Null when nothing was delivered (the idle scenario). */
  latency: latency.nullable(),
  /** Empirical CDF of delivery latency, `[ms, fraction ≤ ms]`, ascending, ending at fraction 1. */
  cdf: z.array(z.tuple([finite, finite])).max(200),
  /** Distinct published messages received, summed over clients. */
  delivered: count,
  /** Published messages × clients: what `delivered` must equal. */
  expected: count,
  /** Expected messages a client never received. Must be 0: anything else is a bug. */
  lost: count,
  /** Receptions of a message the client already had. Must be 0: anything else is a bug. */
  duplicated: count,
  /** First receptions that came after a higher seq (the cursor contract forbids it). */
  outOfOrder: count,
  /** HTTP requests on the wire for this transport's route (server socket count; ws: upgrades). */
  requests: count,
  /** What the clients themselves counted, a cross-check of `requests`. */
  clientRequests: count,
  /** `requests / delivered`; null when nothing was delivered. */
  requestsPerDelivered: nullableNumber,
  /** Poll answers with no message and long-poll 204s. */
  emptyResponses: count,
  /** `emptyResponses / requests`; null when there were no requests. */
  emptyRatio: nullableNumber,
  /** Long-polls the server answered 204 because their timeout passed. */
  timeouts: count,
  /** Wire bytes counted by the server's sockets during the window. `in` = client → server. */
  bytes: z.object({
    in: byteSplit,
    out: byteSplit,
    /** `out` divided by `delivered`; null when nothing was delivered. */
    perDelivered: z.object({ header: nullableNumber, payload: nullableNumber }),
  }),
  server: serverUsage,
  client: clientUsage,
  /** What the model predicts for these conditions, drawn next to the measurement. */
  model,
});

/** autocannon figures for one route. */
const loadFigures = z.object({
  /** Path hit, e.g. `/api/poll?after=0` or `/hello`. */
  path: z.string(),
  connections: count,
  pipelining: count,
  durationMs: finite,
  requests: count,
  /** Mean requests per second over the run. */
  requestsPerSec: finite,
  latencyP50Ms: finite,
  latencyP99Ms: finite,
  /** Socket errors and timeouts. */
  errors: count,
  non2xx: count,
});

/** The capacity scenario: the poll route against a bare Koa route, in the same run. */
const capacityResult = z.object({
  poll: loadFigures,
  bare: loadFigures,
  /** `poll.requestsPerSec / bare.requestsPerSec`. */
  ratio: finite,
});

/** One sweep point: every transport measured under the same conditions. */
const run = z.object({
  /** Human label for tables and charts, e.g. `T=1000 ms`, `rtt 20 ms`, `1000 clients`. */
  label: z.string(),
  /**
   * The sweep coordinates of this run, e.g. `{ pollIntervalMs: 1000 }`. Renderers use the first
   * numeric key whose value differs between runs as the x axis of the sweep charts.
   */
  point: z.record(z.string(), z.union([finite, z.string()])),
  transports: z.partialRecord(z.enum(TRANSPORT_NAMES), transportResult),
  /** Only in the `capacity` scenario: autocannon against the poll route and a bare Koa route. */
  capacity: capacityResult.optional(),
  /**
   * Only in the `scale` scenario: pushrace (compiled) against the bare Node floor at the same
   * client count, measured as the peers scenario measures (peers/schema.ts), one per transport.
   */
  floors: z.array(comparisonSchema).optional(),
});

/** One performance target (targets.ts), checked against a run. */
const targetCheck = z.object({
  /** Short name, e.g. `ws fan-out p99 at 10 000 clients`. */
  name: z.string(),
  /** The target in words, e.g. `p99 < 50 ms`. */
  target: z.string(),
  measured: finite,
  unit: z.string(),
  met: z.boolean(),
  /** Where the number came from (run label, transport) and anything that qualifies it. */
  note: z.string(),
});

/** Where the numbers came from, so two reports can be compared fairly (or not). */
export const environmentSchema = z.object({
  /** `process.version`, e.g. `v20.19.0`. */
  node: z.string(),
  /** `os.cpus()[0].model`. */
  cpuModel: z.string(),
  /** Logical cores of the machine. */
  cores: count,
  /** `process.platform`/`process.arch`, e.g. `linux/x64`. */
  platform: z.string(),
  /** `git rev-parse HEAD` of the code that ran, null outside a git checkout; `+dirty` when uncommitted changes. */
  gitCommit: z.string().nullable(),
  /** ISO 8601 time the experiment started. */
  startedAt: z.string(),
  /** Wall time of the whole experiment, ms. */
  durationMs: finite,
});

/**
 * A results file: the envelope every experiment shares, around its scenario's own payload.
 * One function, so the envelope is stated once and is the same for every kind of file.
 */
function resultsFile<Scenario extends z.ZodType, Params extends z.ZodType, Payload extends z.ZodRawShape>(
  scenario: Scenario,
  params: Params,
  payload: Payload,
) {
  return z.object({
    version: z.literal(RESULTS_VERSION),
    /** Which experiment wrote the file: it decides the payload and the renderer. */
    scenario,
    /** The experiment's parameters as given, defaults applied. */
    params,
    environment: environmentSchema,
    ...payload,
    /**
     * Anything a reader must know before trusting a number, in plain words: lost or duplicated
     * messages (a bug), saturated client cores, counters that disagree. Renderers show these
     * first; they also recompute the loud ones from the data, so an empty list cannot hide them.
     */
    warnings: z.array(z.string()),
  });
}

/** A load scenario's file: one Run per sweep point, and the targets it exercised. */
const scenarioResults = resultsFile(
  z.enum(SCENARIOS),
  z.record(z.string(), z.union([finite, z.string(), z.boolean()])),
  {
    /** One per sweep point (poll interval, rtt, clients); a single one for a scenario without a sweep. */
    runs: z.array(run).min(1),
    /** The performance targets (targets.ts) this scenario exercised (`checkTargets`), met or not. */
    targets: z.array(targetCheck).optional(),
  },
);

/** The soak's file: its figures under `soak`. */
const soakResults = resultsFile(z.literal(SOAK), soakParamsSchema, { soak: soakSchema });

/** The peers scenario's file: its comparisons under `peers`. */
export const peersResultsSchema = resultsFile(z.literal(PEERS), peersParamsSchema, { peers: peersSchema });

/** Any results file, told apart by `scenario`. */
export const resultsSchema = z.discriminatedUnion('scenario', [scenarioResults, soakResults, peersResultsSchema]);

export type ResultsFile = z.infer<typeof resultsSchema>;
/** One load scenario's results: a scenario, where it ran, and one `Run` per sweep point. */
export type Results = z.infer<typeof scenarioResults>;
export type SoakResults = z.infer<typeof soakResults>;
export type PeersResults = z.infer<typeof peersResultsSchema>;
export type Environment = z.infer<typeof environmentSchema>;
export type Run = z.infer<typeof run>;
export type TransportResult = z.infer<typeof transportResult>;
export type LatencySummary = z.infer<typeof latency>;
export type ServerUsage = z.infer<typeof serverUsage>;
export type ModelInputs = z.infer<typeof modelInputs>;
export type ModelExpectation = z.infer<typeof model>;
export type LoadFigures = z.infer<typeof loadFigures>;
export type CapacityResult = z.infer<typeof capacityResult>;
export type TargetCheck = z.infer<typeof targetCheck>;

const MAX_LISTED_ISSUES = 5;

/**
 * Checks parsed JSON and returns it typed, or throws a `ResultsError`. The version is checked
 * first and on its own, so a file of another version gets "version 2, this reads version 1"
 * rather than a list of field errors. `source` names the file in messages.
 */
export function parseResults(json: unknown, source = 'results.json'): ResultsFile {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ResultsError(`${source} is not a pushrace results file: expected a JSON object`, 'invalid');
  }
  const version = (json as { version?: unknown }).version;
  if (version === undefined) {
    throw new ResultsError(`${source} is not a pushrace results file: it has no "version" field`, 'invalid');
  }
  if (version !== RESULTS_VERSION) {
    throw new ResultsError(
      `${source} is results format version ${JSON.stringify(version)}; this pushrace reads version ${RESULTS_VERSION} only. ` +
        'Render it with the pushrace that wrote it (see environment.gitCommit in the file), or re-run the experiment.',
      'version',
    );
  }
  const parsed = resultsSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const listed = issues
      .slice(0, MAX_LISTED_ISSUES)
      .map((i) => `  ${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`);
    const more = issues.length > MAX_LISTED_ISSUES ? [`  … and ${issues.length - MAX_LISTED_ISSUES} more`] : [];
    throw new ResultsError(
      [`${source} does not match results format version ${RESULTS_VERSION}:`, ...listed, ...more].join('\n'),
      'invalid',
    );
  }
  return parsed.data;
}
