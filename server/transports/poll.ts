import type { ReadResult } from '../feed/feed.ts';
import { parseAfter, parseEpoch, parseLimit, parseSources } from '../http/query.ts';
import type { TransportCounters } from '../observe/stats.ts';
import { noBuffering } from './shared/no-buffering.ts';
import { QueryMemo } from './shared/query-memo.ts';
import { readResponseBody } from './shared/read-response.ts';
import { filtered, type SourceFilter } from './shared/source-filter.ts';
import type { Transport } from './transport.ts';

/** Counts a poll's answer and returns its body. */
function answerOf(r: ReadResult, sources: SourceFilter, counters: TransportCounters): string {
  const mine = filtered(r, sources);
  counters.delivered += mine.messages.length;
  if (mine.messages.length === 0) counters.emptyResponses++;
  return readResponseBody(mine);
}

/**
 * Interval (AJAX) polling: every request is answered at once with whatever is after the
 * cursor, empty or not (only the channels in `sources`, when given). The client's interval
 * decides the latency: half of it on average. Served before Koa when its query is one Koa has
 * already validated (see shared/fast-get.ts), through Koa otherwise: the same bytes either way.
 */
export const poll: Transport = {
  name: 'poll',
  path: '/api/poll',
  mount({ router, fastGet, feed, config, counters }) {
    // The read's options are part of the remembered query: one object for every request.
    const queries = new QueryMemo((query) => {
      const epoch = parseEpoch(query.epoch);
      const limit = parseLimit(query.limit, config.readLimit);
      return { after: parseAfter(query.after), options: { epoch, limit }, sources: parseSources(query.sources) };
    });
    router.get(this.path, async (ctx) => {
      const { after, options, sources } = queries.get(ctx);
      const body = answerOf(await feed.read(after, options), sources, counters);
      noBuffering(ctx);
      ctx.type = 'application/json';
      ctx.body = body;
    });
    fastGet(this.path, (req, res, querystring, reply) => {
      const query = queries.peek(querystring);
      if (query === undefined) return false;
      const { after, options, sources } = query;
      // A feed in this process answers at once: no promise, no microtask (see Feed.readSync).
      if (feed.readSync !== undefined) {
        let r: ReadResult;
        try {
          r = feed.readSync(after, options);
        } catch {
          reply.handBack(req, res);
          return true;
        }
        reply.answer(res, { status: 200, body: answerOf(r, sources, counters) });
        return true;
      }
      feed.read(after, options).then(
        (r) => reply.answer(res, { status: 200, body: answerOf(r, sources, counters) }),
        () => reply.handBack(req, res),
      );
      return true;
    });
    return { close: async () => {} };
  },
};
