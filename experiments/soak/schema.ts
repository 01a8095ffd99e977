/**
 * The soak's part of the results format: its parameters (`params`) and its payload (`soak`),
 * which results-schema.ts puts inside the envelope every experiment shares. A soak is not a
 * series of Runs: it mixes all four transports at once, with clients that stop and resume at
 * random, for minutes, and asks two questions only — did every client get every message exactly
 * once, in order, and does the server's memory stay flat once its history is full. The types
 * are inferred from these schemas.
 */
import { z } from 'zod';
import type { TransportName } from '../../protocol/wire.ts';

/**
 * The transports a soak runs: pushrace's own four. socket.io is left out so that soaks stay
 * comparable with the reference results (its exactly-once across reconnects is proved by
 * test/integration/socketio.test.ts).
 */
export const SOAK_TRANSPORTS = ['poll', 'long-poll', 'sse', 'ws'] as const satisfies readonly TransportName[];
export type SoakTransportName = (typeof SOAK_TRANSPORTS)[number];

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

/** The knobs of a soak. */
export const soakParamsSchema = z.object({
  /** Whole run, warm-up included, ms. */
  durationMs: ms,
  /** Clients of each transport, all running at once. */
  clientsPerTransport: count,
  /** Messages published a second over HTTP, evenly spaced. */
  ratePerSec: z.number().nonnegative(),
  /** Each client stops and resumes from its position after a uniform random wait in [min, max] ms. */
  bounceMinMs: ms,
  bounceMaxMs: ms,
  /** Poll period of the polling clients, ms. */
  pollIntervalMs: ms,
  /** Time between memory samples, ms. */
  sampleEveryMs: ms,
  /** Warm-up: until the feed's history is full (it grows RSS by design until then), ms. */
  warmupMs: ms,
});

/** One look at the server's memory, taken after a full GC. */
const memorySample = z.object({
  /** Since the start of the run, ms. */
  atMs: ms,
  /** Messages published by then. */
  published: count,
  rssBytes: count,
  heapUsedBytes: count,
  heapTotalBytes: count,
  /** Memory outside the V8 heap held by JS objects (Buffers among them). */
  externalBytes: count,
  /** Of which ArrayBuffer backing stores (every Buffer). */
  arrayBuffersBytes: count,
});

/** What the clients of one transport saw, summed over its clients. */
const soakTransport = z.object({
  clients: count,
  /** Distinct messages received. */
  delivered: count,
  /** published × clients. */
  expected: count,
  /** Seqs skipped without a reset, plus any not received by the end. */
  lost: count,
  /** Seqs received again. */
  duplicated: count,
  /** Resets reported to the caller (the epoch did not change, so any reset is a failure here). */
  resets: count,
  /** Stop-and-resume cycles done. */
  reconnects: count,
});

/** Pass or fail, and every reason it failed. */
const soakVerdict = z.object({
  ok: z.boolean(),
  /** RSS change from warm to end, as a fraction (0.05 = +5 %). */
  rssChange: z.number(),
  /** Whether the run was long enough for the RSS criterion to count. */
  rssJudged: z.boolean(),
  failures: z.array(z.string()),
});

/** What a soak measured: the `soak` field of its results. */
export const soakSchema = z.object({
  published: count,
  /** Publishes that failed (and were not counted as published). */
  publishErrors: count,
  /** Every transport, each summed over its clients. */
  transports: z.object(
    Object.fromEntries(SOAK_TRANSPORTS.map((n) => [n, soakTransport])) as Record<
      SoakTransportName,
      typeof soakTransport
    >,
  ),
  samples: z.array(memorySample).min(1),
  /** The sample at the end of warm-up and the last one: the pair the verdict compares. */
  warm: memorySample,
  end: memorySample,
  verdict: soakVerdict,
});

export type SoakParams = z.infer<typeof soakParamsSchema>;
export type MemorySample = z.infer<typeof memorySample>;
export type SoakTransport = z.infer<typeof soakTransport>;
export type SoakVerdict = z.infer<typeof soakVerdict>;
export type SoakPayload = z.infer<typeof soakSchema>;
