/**
 * The runtime check of a soak's results.json, so `npm run report -- DIR` re-renders only a
 * file whose figures still mean what this code thinks they mean.
 */
import { z } from 'zod';
import { TRANSPORT_NAMES } from '../../protocol/wire.ts';
import { environmentSchema, ResultsError } from '../results-schema.ts';
import { SOAK_VERSION, type SoakResults } from './results.ts';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

const sample = z.object({
  atMs: ms,
  published: count,
  rssBytes: count,
  heapUsedBytes: count,
  heapTotalBytes: count,
  externalBytes: count,
  arrayBuffersBytes: count,
});

const transport = z.object({
  clients: count,
  delivered: count,
  expected: count,
  lost: count,
  duplicated: count,
  resets: count,
  reconnects: count,
});

/** Typed against `SoakResults`, so the schema and the types cannot drift apart. */
const soakSchema: z.ZodType<SoakResults> = z.object({
  kind: z.literal('soak'),
  version: z.literal(SOAK_VERSION),
  params: z.object({
    durationMs: ms,
    clientsPerTransport: count,
    ratePerSec: z.number().nonnegative(),
    bounceMinMs: ms,
    bounceMaxMs: ms,
    pollIntervalMs: ms,
    sampleEveryMs: ms,
    warmupMs: ms,
  }),
  environment: environmentSchema,
  published: count,
  publishErrors: count,
  transports: z.object(
    Object.fromEntries(TRANSPORT_NAMES.map((n) => [n, transport])) as Record<
      (typeof TRANSPORT_NAMES)[number],
      typeof transport
    >,
  ),
  samples: z.array(sample).min(1),
  warm: sample,
  end: sample,
  verdict: z.object({ ok: z.boolean(), rssChange: z.number(), rssJudged: z.boolean(), failures: z.array(z.string()) }),
  warnings: z.array(z.string()),
});

/** Whether `json` says it is a soak's results (whatever its version). */
export function isSoakJson(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as { kind?: unknown }).kind === 'soak';
}

/** Validates a soak's results; throws ResultsError naming what is wrong. */
export function parseSoakResults(json: unknown, source = 'results.json'): SoakResults {
  const version = (json as { version?: unknown }).version;
  if (version !== SOAK_VERSION) {
    throw new ResultsError(
      `${source} is soak results version ${JSON.stringify(version)}; this pushrace reads version ${SOAK_VERSION} only. Re-run the soak.`,
      'version',
    );
  }
  const parsed = soakSchema.safeParse(json);
  if (!parsed.success) {
    const listed = parsed.error.issues.slice(0, 10).map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ResultsError([`${source} is not a valid soak results file:`, ...listed].join('\n'), 'invalid');
  }
  return parsed.data;
}
