/**
 * How a soak is judged: when its warm-up ends (the "before" of the memory comparison) and the
 * verdict on its figures. Pure; the soak's run (run.ts) calls these, the tests pin them.
 */
import type { MemorySample, SoakTransport, SoakTransportName, SoakVerdict } from './schema.ts';

/** RSS at the end may differ from RSS after warm-up by at most this fraction. */
export const RSS_TOLERANCE = 0.1;

/** Runs shorter than this are too short to judge memory: the verdict reports RSS but does not fail on it. */
export const MIN_JUDGED_MS = 5 * 60_000;

/** The verdict on a soak's figures: nothing lost, duplicated or reset, and RSS within tolerance. */
export function judgeSoak(
  durationMs: number,
  transports: Record<SoakTransportName, SoakTransport>,
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
