/**
 * When the poll model (a message waits T/2 on average) does not hold: a metronome feed and a
 * poller whose periods are equal, or one a multiple of the other, lock in phase, so every
 * message waits the same share of the interval and the poll CDF is a step, not a ramp. The page
 * says so when it happens (it is a lesson too, shown on purpose with `timing: fixed`).
 */
import type { FeedSettings } from '../../protocol/control.ts';

export function phaseLocked(feed: FeedSettings | undefined, pollIntervalMs: number): boolean {
  if (feed?.timing !== 'fixed' || !feed.sources.includes('ticker')) return false;
  const a = feed.tickerIntervalMs;
  const b = pollIntervalMs;
  return a > 0 && b > 0 && (a % b === 0 || b % a === 0);
}
