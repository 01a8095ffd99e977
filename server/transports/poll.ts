import { parseAfter, parseEpoch, parseLimit, parseSources } from '../http/query.ts';
import { noBuffering } from './shared/no-buffering.ts';
import { QueryMemo } from './shared/query-memo.ts';
import { readResponseBody } from './shared/read-response.ts';
import { filtered } from './shared/source-filter.ts';
import type { Transport } from './transport.ts';

/**
 * Interval (AJAX) polling: every request is answered at once with whatever is after the
 * cursor, empty or not (only the channels in `sources`, when given). The client's interval
 * decides the latency: half of it on average.
 */
export const poll: Transport = {
  name: 'poll',
  path: '/api/poll',
  mount({ router, feed, config, counters }) {
    const queries = new QueryMemo((query) => ({
      after: parseAfter(query.after),
      epoch: parseEpoch(query.epoch),
      limit: parseLimit(query.limit, config.readLimit),
      sources: parseSources(query.sources),
    }));
    router.get(this.path, async (ctx) => {
      const { after, epoch, limit, sources } = queries.get(ctx);
      const r = filtered(await feed.read(after, { epoch, limit }), sources);
      counters.delivered += r.messages.length;
      if (r.messages.length === 0) counters.emptyResponses++;
      noBuffering(ctx);
      ctx.type = 'application/json';
      ctx.body = readResponseBody(r);
    });
    return { close: async () => {} };
  },
};
