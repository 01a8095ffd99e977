/**
 * Server RSS per connection, only where the measurement can carry it. The harness reads the
 * server's RSS after a full GC before the clients connect and again at the end of the window;
 * the difference divided by the connections is a per-connection figure only when it stands
 * well above what RSS does on its own. It does a lot on its own: after a GC, V8 and the
 * allocator keep or give back pages when they like, so between two windows with nothing to
 * explain it RSS fell by up to 31 MiB in the reference runs (a "−1.12 MiB per connection" is
 * that, divided by 20). A figure is shown with its noise (± noise / connections); otherwise
 * "n/a" and the reason, so the tables never print a number the run cannot support.
 */

import { transportsOf } from '../derived.ts';
import { bytes, int, num } from '../format.ts';
import type { Results, TransportResult } from '../results-schema.ts';
import { TARGETS } from '../targets.ts';

/** What RSS does between two readings after a full GC with nothing to explain it, at least. */
export const RSS_NOISE_FLOOR_BYTES = 32 * 1024 * 1024;

/** A rise under this many times the noise is not told apart from it. */
const SIGNAL_TO_NOISE = 2;

/** Why no per-connection figure is given: short enough for a table cell. */
export type RssVerdict =
  | { kind: 'figure'; perConnection: number; noisePerConnection: number }
  | { kind: 'n/a'; reason: string };

/**
 * The RSS noise of one results file: the floor, or the largest fall of RSS over any window of
 * the file if larger (a fall is noise by definition: connections only add memory).
 */
export function rssNoise(results: Results): number {
  let noise = RSS_NOISE_FLOOR_BYTES;
  for (const run of results.runs) {
    for (const [, r] of transportsOf(run)) {
      const base = r.server.rssBaselineBytes;
      if (base !== null) noise = Math.max(noise, base - r.server.rssBytes);
    }
  }
  return noise;
}

/**
 * The verdict on `r`'s RSS per connection under `noise` (see `rssNoise`); null when the run
 * took no baseline (nothing to say).
 */
export function rssPerConnection(r: TransportResult, noise: number): RssVerdict | null {
  const base = r.server.rssBaselineBytes;
  if (base === null) return null;
  const delta = r.server.rssBytes - base;
  if (r.clients < TARGETS.rssMinClients) {
    return { kind: 'n/a', reason: `${int(r.clients)} conns, too few` };
  }
  if (delta <= 0) return { kind: 'n/a', reason: `RSS fell ${bytes(-delta)}` };
  if (delta < SIGNAL_TO_NOISE * noise) {
    return { kind: 'n/a', reason: `+${bytes(delta)}, within noise` };
  }
  return { kind: 'figure', perConnection: delta / r.clients, noisePerConnection: noise / r.clients };
}

/** The table cell: `17.5 KiB ± 3.28 KiB`, `n/a: 20 conns, too few`, or `—` without a baseline. */
export function rssCell(v: RssVerdict | null): string {
  if (v === null) return '—';
  if (v.kind === 'n/a') return `n/a: ${v.reason}`;
  // The noise in the figure's unit: `24 KiB ± 3.28 KiB`, not `24 KiB ± 3,355 B`.
  const unit = bytes(v.perConnection).split(' ')[1];
  const noise = unit === 'KiB' ? `${num(v.noisePerConnection / 1024)} KiB` : bytes(v.noisePerConnection);
  return `${bytes(v.perConnection)} ± ${noise}`;
}

/** The footnote under a table that has the column: how the figure is made and when it is not. */
export function rssNote(results: Results): string {
  return (
    `RSS per connection: (server RSS at the end of the window − before the clients connected, both after a full GC) ÷ connections, ` +
    `± the RSS noise ÷ connections. Given only with at least ${int(TARGETS.rssMinClients)} connections and a rise of at least ` +
    `${SIGNAL_TO_NOISE}× the noise, ${bytes(rssNoise(results))} here (the larger of ${bytes(RSS_NOISE_FLOOR_BYTES)} and the largest ` +
    `fall of RSS in this file: memory the allocator gave back, which no connection explains); otherwise n/a with the reason.`
  );
}
