/**
 * The timeline's geometry and palette, apart from the canvas so they are unit-tested: each HTTP
 * request is its own bar, inset so that back-to-back requests (a long-poll answered and asked
 * again in the same millisecond) still show a gap and an edge where the next one starts, and no
 * outcome is drawn in a colour that could be read as a transport's.
 */
import type { RequestOutcome } from '../lib/types.ts';

/** Pixels left empty on each side of a bar, so two adjacent requests show a 2-px gap. */
export const INSET = 1;
/** A bar is at least this wide, so a 1-ms poll is still seen. */
export const MIN_WIDTH = 3;

/** One request as drawn: where it starts and how wide it is, and how it ended. */
export interface Bar {
  x: number;
  width: number;
  outcome: RequestOutcome;
}

/** What a bar needs of a request record. */
export interface TimedRequest {
  kind: string;
  sentAt: number;
  doneAt: number;
  outcome: RequestOutcome;
}

/** The bars of the HTTP requests among `records`, `x` mapping a time to a pixel, clipped at `left`. */
export function requestBars(records: readonly TimedRequest[], x: (at: number) => number, left: number): Bar[] {
  const bars: Bar[] = [];
  for (const r of records) {
    if (r.kind !== 'http') continue;
    const x0 = Math.max(left, x(r.sentAt)) + INSET;
    const x1 = x(r.doneAt) - INSET;
    bars.push({ x: x0, width: Math.max(MIN_WIDTH, x1 - x0), outcome: r.outcome });
  }
  return bars;
}

/**
 * How each outcome is drawn. `ok` takes the transport's own colour; the others are neutral or
 * red, and a timeout is hatched, so none can be mistaken for a lane colour (amber, violet,
 * green, blue) even on a washed-out projector.
 */
export const OUTCOME_STYLE: Readonly<Record<Exclude<RequestOutcome, 'ok'>, { fill: string; hatch?: string }>> = {
  empty: { fill: '#9ca3af' },
  timeout: { fill: '#f3f4f6', hatch: '#111827' },
  error: { fill: '#dc2626' },
  aborted: { fill: '#e5e7eb' },
};
