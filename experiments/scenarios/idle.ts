/**
 * idle: nothing published for a minute. What waiting costs: polls answered empty, long-poll
 * timeouts, SSE heartbeats, and the bytes each of them puts on the wire.
 */
import { baseSpec, type Scenario } from './scenario.ts';

/** Waiting is most of a real feed's life: this is what each transport charges for it. */
export const idle: Scenario = {
  name: 'idle',
  description: 'No message for D seconds: the requests, empty answers, timeouts and bytes that waiting costs.',
  uses: ['clients', 'durationMs', 'transports', 'pollIntervalMs', 'longPollTimeoutMs', 'rttMs'],
  full: { clients: 20, durationMs: 60_000 },
  quick: { clients: 10, durationMs: 5000, longPollTimeoutMs: 2000 },
  async run(ctx) {
    const p = ctx.params;
    const label = `idle ${p.durationMs / 1000} s`;
    ctx.point(label, 0, 1);
    return [
      await ctx.measure({
        ...baseSpec(p),
        label,
        point: { durationMs: p.durationMs },
        plan: { kind: 'none' },
        model: { ratePerSec: 0 },
      }),
    ];
  },
};
