/**
 * burst: K messages published at once every few seconds. Streams deliver a burst as fast as
 * they deliver one message; a long-poll answer leaves with the first message and the rest
 * wait for the re-request; polling batches the burst into the next answer.
 */
import { baseSpec, type Scenario } from './scenario.ts';

/** Bursts show what each transport does with a batch, which a steady rate hides. */
export const burst: Scenario = {
  name: 'burst',
  description:
    'K messages at once every few seconds: how each transport delivers a batch (long-poll re-request, poll batching).',
  uses: [
    'clients',
    'burstSize',
    'burstEveryMs',
    'durationMs',
    'transports',
    'pollIntervalMs',
    'longPollTimeoutMs',
    'rttMs',
  ],
  full: { clients: 50, burstSize: 20, burstEveryMs: 3000, durationMs: 30_000 },
  quick: { clients: 10, burstSize: 10, burstEveryMs: 2000, durationMs: 4000 },
  async run(ctx) {
    const p = ctx.params;
    const label = `${p.burstSize} messages every ${p.burstEveryMs / 1000} s`;
    ctx.point(label, 0, 1);
    return [
      await ctx.measure({
        ...baseSpec(p),
        label,
        point: { burstSize: p.burstSize, burstEveryMs: p.burstEveryMs },
        plan: { kind: 'bursts', size: p.burstSize, everyMs: p.burstEveryMs },
        model: { burstSize: p.burstSize, arrivals: 'periodic' },
      }),
    ];
  },
};
