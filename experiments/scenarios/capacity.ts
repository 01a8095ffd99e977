/**
 * capacity: how much the server can do on its core. autocannon against the poll route and a
 * bare Koa route in the same process (the ratio is what pushrace's request path costs), then
 * WebSocket deliveries per second under a fan-out load (N clients × R msg/s).
 */
import { deliveriesPerSec } from '../derived.ts';
import { int, num } from '../format.ts';
import { CAPACITY_DEFAULTS } from '../harness/capacity.ts';
import { TARGETS } from '../targets.ts';
import { baseSpec, type Scenario } from './scenario.ts';

/** The name targets.ts gives the throughput check, so the two never both appear. */
const THROUGHPUT = 'WebSocket deliveries per second';

/** The server's ceilings on its one core: request rate against bare Koa, and WebSocket deliveries per second. */
export const capacity: Scenario = {
  name: 'capacity',
  description:
    'autocannon on the poll route vs a bare Koa route (same process, same load), then WebSocket deliveries/s with N clients at R msg/s.',
  uses: ['connections', 'durationMs', 'clients', 'ratePerSec'],
  full: { connections: 100, durationMs: 10_000, clients: 1000, ratePerSec: 100, transports: ['ws'] },
  quick: { durationMs: 3000, clients: 200, ratePerSec: 50 },
  async run(ctx) {
    const p = ctx.params;
    ctx.point('poll route vs bare Koa', 0, 2);
    const cap = await ctx.capacity({
      connections: p.connections,
      pipelining: CAPACITY_DEFAULTS.pipelining,
      durationMs: p.durationMs,
      warmupMs: Math.min(CAPACITY_DEFAULTS.warmupMs, p.durationMs / 2),
    });
    const routes = { label: 'poll route vs bare Koa', point: {}, transports: {}, capacity: cap };
    const label = `ws fan-out: ${p.clients} clients × ${p.ratePerSec} msg/s`;
    ctx.point(label, 1, 2);
    const fanout = await ctx.measure({
      ...baseSpec(p),
      transports: ['ws'],
      label,
      point: { clients: p.clients, ratePerSec: p.ratePerSec },
      rssPerConnection: false,
    });
    return [routes, fanout];
  },
  /**
   * checkTargets checks throughput only when the load the server actually took reached the
   * target; a server too slow to take the offered load would escape it. The offered load is
   * this scenario's to state: N × R.
   */
  extraTargets(results, p, checked) {
    const offered = p.clients * p.ratePerSec;
    if (offered < TARGETS.wsDeliveriesPerSec || checked.some((t) => t.name === THROUGHPUT)) return [];
    const run = results.runs.find((r) => r.transports.ws);
    const r = run?.transports.ws;
    if (!run || !r) return [];
    const measured = deliveriesPerSec(r);
    return [
      {
        name: THROUGHPUT,
        target: `≥ ${int(TARGETS.wsDeliveriesPerSec)} deliveries/s`,
        measured,
        unit: 'deliveries/s',
        met: measured >= TARGETS.wsDeliveriesPerSec,
        note: `run "${run.label}": ${int(offered)}/s offered for ${num(p.durationMs / 1000)} s; the server delivered ${int(r.delivered)} in ${num(r.durationMs / 1000)} s`,
      },
    ];
  },
};
