/**
 * Time and size measurements shared by every transport, so that the client's numbers are
 * comparable with the server's: the same clock, and bytes counted the same way.
 */

/**
 * Now, in ms since the Unix epoch with sub-ms precision: the clock the server stamps
 * `FeedMessage.ts` with, so `now() − ts` is a latency (on one machine, or synchronized ones).
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

const encoder = new TextEncoder();

/** UTF-8 length of a text as it crossed the wire (no Buffer: this runs in browsers too). */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}
