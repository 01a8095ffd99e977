/**
 * interval-sweep: the poll interval T from 100 ms to 5 s against long-poll at the same publish
 * rate. Polling trades latency (≈ T/2) for requests (1/T a second); long-poll makes about one
 * request per message. Where the two request curves cross, long-poll wins on both counts.
 */
import { baseSpec, type Scenario, sweepRuns } from './scenario.ts';

/** The one knob polling has, swept, so the report can show where long-poll beats it on both counts. */
export const intervalSweep: Scenario = {
  name: 'interval-sweep',
  description:
    'Poll interval T from 100 ms to 5 s vs long-poll: latency against requests, and the crossover where long-poll wins.',
  uses: ['sweep', 'clients', 'ratePerSec', 'durationMs', 'transports', 'longPollTimeoutMs', 'rttMs'],
  full: {
    sweep: [100, 200, 500, 1000, 2000, 5000],
    clients: 20,
    ratePerSec: 2,
    durationMs: 15_000,
    transports: ['poll', 'long-poll'],
  },
  quick: { sweep: [200, 1000], clients: 5, ratePerSec: 4, durationMs: 4000 },
  run(ctx) {
    const p = ctx.params;
    return sweepRuns(
      ctx,
      p.sweep,
      (t) => `T=${t} ms`,
      (t, label) => ctx.measure({ ...baseSpec(p), label, point: { pollIntervalMs: t }, pollIntervalMs: t }),
    );
  },
};
