/**
 * rtt: every transport through the delay proxy at 0, 20 and 100 ms one-way. Streams pay one
 * transit per message; long-poll pays a round trip for messages that land while it re-requests;
 * polling adds the transit to T/2.
 */
import { baseSpec, type Scenario, sweepRuns } from './scenario.ts';

/** Loopback hides the network; the delay proxy puts it back, so the transit terms of the model are tested. */
export const rtt: Scenario = {
  name: 'rtt',
  description:
    'Through a delay proxy adding 0, 20 and 100 ms each way (--sweep, one-way ms; --rtt R runs the one point R/2): what a real network does to each transport.',
  uses: ['sweep', 'clients', 'ratePerSec', 'durationMs', 'transports', 'pollIntervalMs', 'longPollTimeoutMs'],
  full: { sweep: [0, 20, 100], clients: 20, ratePerSec: 5, durationMs: 15_000 },
  quick: { sweep: [0, 50], clients: 5, ratePerSec: 5, durationMs: 2000 },
  refine(params, given) {
    return given.rttMs !== undefined && given.sweep === undefined ? { ...params, sweep: [given.rttMs / 2] } : params;
  },
  run(ctx) {
    const p = ctx.params;
    return sweepRuns(
      ctx,
      p.sweep,
      (d) => `one-way ${d} ms (rtt ${2 * d} ms)`,
      (d, label) => ctx.measure({ ...baseSpec(p), label, point: { rttMs: 2 * d, delayMs: d }, delayMs: d }),
    );
  },
};
