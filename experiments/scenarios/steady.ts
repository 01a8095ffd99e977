/**
 * steady: N clients per transport, R messages a second (Poisson), the everyday case. Latency,
 * requests and bytes per delivered message against the model, transport by transport.
 */
import { baseSpec, type Scenario } from './scenario.ts';

/** The baseline every other scenario is read against. */
export const steady: Scenario = {
  name: 'steady',
  description:
    'N clients per transport receiving R msg/s (Poisson) for D seconds: latency, requests and bytes vs the model.',
  uses: ['clients', 'ratePerSec', 'durationMs', 'transports', 'pollIntervalMs', 'longPollTimeoutMs', 'rttMs'],
  full: { clients: 100, ratePerSec: 5, durationMs: 30_000 },
  quick: { clients: 10, ratePerSec: 10, durationMs: 4000 },
  async run(ctx) {
    const p = ctx.params;
    const label = `${p.clients} clients, ${p.ratePerSec} msg/s`;
    ctx.point(label, 0, 1);
    return [await ctx.measure({ ...baseSpec(p), label, point: { clients: p.clients, ratePerSec: p.ratePerSec } })];
  },
};
