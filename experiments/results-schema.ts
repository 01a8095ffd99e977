/**
 * The runtime check of results.json. `report` renders only what passes it: a file of another
 * version is refused with a message saying what to do, never half-rendered, because a number
 * read under the wrong meaning is worse than no number.
 */
import { z } from 'zod';
import { TRANSPORT_NAMES } from '../protocol/wire.ts';
import { RESULTS_VERSION, type Results, SCENARIOS } from './results.ts';

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

const latency = z.object({
  p50: finite,
  p90: finite,
  p99: finite,
  p99_9: finite,
  max: finite,
  mean: finite,
  count,
});

const modelInputs = z.object({
  pollIntervalMs: finite,
  rttMs: finite,
  serviceMs: finite,
  longPollTimeoutMs: finite,
  ratePerSec: finite,
  burstSize: finite,
  arrivals: z.enum(['random', 'periodic']),
  sseHeartbeatMs: finite,
});

const model = z.object({
  inputs: modelInputs,
  latency: z.object({ p50: finite, p99: finite, mean: finite }),
  requestsPerSecPerClient: finite,
  requestsPerDelivered: nullableNumber,
  timeoutsPerSecPerClient: finite,
  bytesPerDelivered: z
    .object({
      in: z.object({ header: finite, payload: finite }),
      out: z.object({ header: finite, payload: finite }),
    })
    .nullable(),
  explanation: z.string(),
});

const transportResult = z.object({
  clients: count,
  durationMs: finite,
  latency: latency.nullable(),
  cdf: z.array(z.tuple([finite, finite])).max(200),
  delivered: count,
  expected: count,
  lost: count,
  duplicated: count,
  outOfOrder: count,
  requests: count,
  clientRequests: count,
  requestsPerDelivered: nullableNumber,
  emptyResponses: count,
  emptyRatio: nullableNumber,
  timeouts: count,
  bytes: z.object({
    in: byteSplit,
    out: byteSplit,
    perDelivered: z.object({ header: nullableNumber, payload: nullableNumber }),
  }),
  server: z.object({
    cpuPercent: finite,
    rssBytes: count,
    rssBaselineBytes: count.nullable(),
    eventLoopDelayP99Ms: finite,
  }),
  client: z.object({ cpuPercent: finite, saturated: z.boolean() }),
  model,
});

const loadFigures = z.object({
  path: z.string(),
  connections: count,
  pipelining: count,
  durationMs: finite,
  requests: count,
  requestsPerSec: finite,
  latencyP50Ms: finite,
  latencyP99Ms: finite,
  errors: count,
  non2xx: count,
});

const run = z.object({
  label: z.string(),
  point: z.record(z.string(), z.union([finite, z.string()])),
  transports: z.partialRecord(z.enum(TRANSPORT_NAMES), transportResult),
  capacity: z.object({ poll: loadFigures, bare: loadFigures, ratio: finite }).optional(),
});

/** Where an experiment ran (`Results.environment`); the soak's results carry the same block. */
export const environmentSchema = z.object({
  node: z.string(),
  cpuModel: z.string(),
  cores: count,
  platform: z.string(),
  gitCommit: z.string().nullable(),
  startedAt: z.string(),
  durationMs: finite,
});

/** The whole file. Typed against `Results`, so the schema and the types cannot drift apart. */
export const resultsSchema: z.ZodType<Results> = z.object({
  version: z.literal(RESULTS_VERSION),
  scenario: z.enum(SCENARIOS),
  params: z.record(z.string(), z.union([finite, z.string(), z.boolean()])),
  environment: environmentSchema,
  runs: z.array(run).min(1),
  targets: z
    .array(
      z.object({
        name: z.string(),
        target: z.string(),
        measured: finite,
        unit: z.string(),
        met: z.boolean(),
        note: z.string(),
      }),
    )
    .optional(),
  warnings: z.array(z.string()),
});

const MAX_LISTED_ISSUES = 5;

/**
 * Checks parsed JSON and returns it typed, or throws a `ResultsError`. The version is checked
 * first and on its own, so a file of another version gets "version 2, this reads version 1"
 * rather than a list of field errors. `source` names the file in messages.
 */
export function parseResults(json: unknown, source = 'results.json'): Results {
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
