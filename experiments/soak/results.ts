/**
 * What a soak produces (soak/results.json) and how it is judged. A soak is not a Run of the
 * load scenarios: it mixes all four transports at once, with clients that drop and resume at
 * random, for minutes, and asks two questions only — did every client get every message
 * exactly once, in order (or an explicit reset), and does the server's memory stay flat once
 * its history is full. Kept as its own small file format so neither question bends the
 * scenarios' results schema.
 */
import type { TransportName } from '../../protocol/wire.ts';
import type { Environment } from '../results-schema.ts';

/** Bumped on any change of meaning; `report` refuses another version. */
export const SOAK_VERSION = 1;

/** RSS at the end may differ from RSS after warm-up by at most this fraction. */
export const RSS_TOLERANCE = 0.1;

/** Runs shorter than this are too short to judge memory: the verdict reports RSS but does not fail on it. */
export const MIN_JUDGED_MS = 5 * 60_000;

/** The knobs of a soak. */
export interface SoakParams {
  /** Whole run, warm-up included, ms. */
  durationMs: number;
  /** Clients of each transport, all running at once. */
  clientsPerTransport: number;
  /** Messages published a second over HTTP, evenly spaced. */
  ratePerSec: number;
  /** Each client stops and resumes from its position after a uniform random wait in [min, max] ms. */
  bounceMinMs: number;
  bounceMaxMs: number;
  /** Poll period of the polling clients, ms. */
  pollIntervalMs: number;
  /** Time between memory samples, ms. */
  sampleEveryMs: number;
  /** Warm-up: until the feed's history is full (it grows RSS by design until then), ms. */
  warmupMs: number;
}

/** One look at the server's memory, taken after a full GC. */
export interface MemorySample {
  /** Since the start of the run, ms. */
  atMs: number;
  /** Messages published by then. */
  published: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Memory outside the V8 heap held by JS objects (Buffers among them). */
  externalBytes: number;
  /** Of which ArrayBuffer backing stores (every Buffer). */
  arrayBuffersBytes: number;
}

/** What the clients of one transport saw, summed over its clients. */
export interface SoakTransport {
  clients: number;
  /** Distinct messages received. */
  delivered: number;
  /** published × clients. */
  expected: number;
  /** Seqs skipped without a reset, plus any not received by the end. */
  lost: number;
  /** Seqs received again. */
  duplicated: number;
  /** Resets reported to the caller (the epoch did not change, so any reset is a failure here). */
  resets: number;
  /** Stop-and-resume cycles done. */
  reconnects: number;
}

/** soak/results.json. */
export interface SoakResults {
  kind: 'soak';
  version: typeof SOAK_VERSION;
  params: SoakParams;
  environment: Environment;
  published: number;
  /** Publishes that failed (and were not counted as published). */
  publishErrors: number;
  transports: Record<TransportName, SoakTransport>;
  samples: MemorySample[];
  /** The sample at the end of warm-up and the last one: the pair the verdict compares. */
  warm: MemorySample;
  end: MemorySample;
  verdict: SoakVerdict;
  warnings: string[];
}

/** Pass or fail, and every reason it failed. */
export interface SoakVerdict {
  ok: boolean;
  /** RSS change from warm to end, as a fraction (0.05 = +5 %). */
  rssChange: number;
  /** Whether the run was long enough for the RSS criterion to count. */
  rssJudged: boolean;
  failures: string[];
}

/** The verdict on a soak's figures: nothing lost, duplicated or reset, and RSS within tolerance. */
export function judgeSoak(
  durationMs: number,
  transports: Record<TransportName, SoakTransport>,
  warm: MemorySample,
  end: MemorySample,
): SoakVerdict {
  const failures: string[] = [];
  for (const [name, t] of Object.entries(transports)) {
    if (t.lost > 0) failures.push(`${name}: ${t.lost} lost`);
    if (t.duplicated > 0) failures.push(`${name}: ${t.duplicated} duplicated`);
    if (t.resets > 0) failures.push(`${name}: ${t.resets} resets on an unchanged epoch`);
    if (t.delivered !== t.expected) failures.push(`${name}: ${t.delivered} of ${t.expected} delivered`);
  }
  const rssChange = warm.rssBytes > 0 ? (end.rssBytes - warm.rssBytes) / warm.rssBytes : 0;
  const rssJudged = durationMs >= MIN_JUDGED_MS;
  if (rssJudged && Math.abs(rssChange) > RSS_TOLERANCE) {
    failures.push(
      `server RSS changed ${(rssChange * 100).toFixed(1)} % after warm-up (limit ±${RSS_TOLERANCE * 100} %)`,
    );
  }
  return { ok: failures.length === 0, rssChange, rssJudged, failures };
}

/**
 * Warm-up for a run: until a history of `historySize` messages is full at `ratePerSec`, plus
 * 10 s, at least a minute, at most half the run (so short runs still have an "after").
 */
export function warmupFor(durationMs: number, historySize: number, ratePerSec: number): number {
  const fullMs = ratePerSec > 0 ? (historySize / ratePerSec) * 1000 + 10_000 : 0;
  return Math.round(Math.min(durationMs / 2, Math.max(60_000, fullMs)));
}
