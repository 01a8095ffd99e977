/**
 * scale: clients per transport from 10 to 10 000 at 1 msg/s. Server RSS per connection (a
 * fresh server process per window, so every baseline is clean), fan-out latency, and where
 * each transport degrades; it also checks the 10 000-client targets. The clients are the peers
 * scenario's raw ones (a few µs a message), so at 10 000 the server is what is measured; and at
 * every N pushrace is also measured against the bare Node floor, as ratios.
 */
import { baseSpec, type Scenario, sweepRuns } from './scenario.ts';

/** Where each transport stops scaling on this machine, and what one connection costs the server. */
export const scale: Scenario = {
  name: 'scale',
  description:
    'Clients per transport from 10 to 10 000 (--sweep; --clients N caps it at N) at R msg/s, raw clients: RSS per connection, fan-out latency, where each degrades, and × the bare Node floor at each N.',
  uses: ['sweep', 'ratePerSec', 'durationMs', 'transports', 'pollIntervalMs', 'longPollTimeoutMs', 'rttMs'],
  full: { sweep: [10, 100, 1000, 10_000], ratePerSec: 1, durationMs: 6000 },
  quick: { sweep: [10, 100], durationMs: 2000 },
  freshServerPerWindow: true,
  refine(params, given) {
    const n = given.clients;
    if (n === undefined || given.sweep !== undefined) return params;
    return { ...params, sweep: [...params.sweep.filter((x) => x < n), n] };
  },
  run(ctx) {
    const p = ctx.params;
    return sweepRuns(
      ctx,
      p.sweep,
      (n) => `${n} clients`,
      async (n, label) => {
        const run = await ctx.measure({ ...baseSpec(p), label, point: { clients: n }, clients: n, rawClients: true });
        return { ...run, floors: await ctx.floors(n, p.transports) };
      },
    );
  },
};
