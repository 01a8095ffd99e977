import type { ServerResponse } from 'node:http';
import type { ReadResult } from '../../feed/feed.ts';
import { parseAfter, parseEpoch, parseLimit, parseSources, parseTimeout } from '../../http/query.ts';
import { NO_BUFFERING, noBuffering } from '../shared/no-buffering.ts';
import { QueryMemo } from '../shared/query-memo.ts';
import { answerKoa, type ReadAnswer } from '../shared/read-answer.ts';
import { readResponseBytes } from '../shared/read-response.ts';
import { filtered, type SourceFilter } from '../shared/source-filter.ts';
import type { Transport } from '../transport.ts';
import { HeldRequest } from './held-request.ts';
import { PublishSignal } from './publish-signal.ts';
import { SharedReads } from './shared-reads.ts';

/** A long-poll's validated query. */
interface LongPollQuery {
  after: number | undefined;
  epoch: string | undefined;
  limit: number;
  timeout: number;
  sources: SourceFilter;
}

/**
 * Long-polling: answered at once when a message exists after the cursor, otherwise held
 * until one is published (200), the timeout passes (204, an ordinary empty answer), the
 * client goes away (nothing to answer; waiter and timer released at once) or the server
 * shuts down (204). It notes the publish generation before it reads, so a message published
 * while the read is in flight wakes it instead of being missed. All requests share one feed
 * subscription (PublishSignal), and requests woken by the same publish at the same cursor
 * share one read and one answer body (SharedReads). With `sources`, only those channels' messages
 * answer it; when it times out after others moved its cursor, it answers 200 with no message
 * and the new cursor instead of a 204, which carries none. Served before Koa when its query is
 * one Koa has already validated (see shared/fast-get.ts), through Koa otherwise: the same
 * bytes either way.
 */
export const longPoll: Transport = {
  name: 'long-poll',
  path: '/api/long-poll',
  mount({ router, fastGet, feed, config, counters }) {
    const held = new Set<HeldRequest>();
    const signal = new PublishSignal(feed);
    const reads = new SharedReads(feed);
    let closing = false;

    const queries = new QueryMemo<LongPollQuery>((query) => ({
      after: parseAfter(query.after),
      epoch: parseEpoch(query.epoch),
      limit: parseLimit(query.limit, config.readLimit),
      timeout: parseTimeout(query.timeout, config.longPollTimeoutMs, config.longPollMaxTimeoutMs),
      sources: parseSources(query.sources),
    }));

    /** Waits for what answers the request; undefined when its client went away first. */
    const answer = async (res: ServerResponse, q: LongPollQuery): Promise<ReadAnswer | undefined> => {
      const { after, epoch, limit, timeout, sources } = q;
      const request = new HeldRequest(res, held, signal, counters);
      signal.acquire();
      res.on('close', request.onClose);
      const deadline = Date.now() + timeout;
      try {
        let seen = signal.generation;
        let r: ReadResult = reads.readNow(after, epoch, limit, seen) ?? (await reads.read(after, epoch, limit, seen));
        for (;;) {
          if (request.gone) return undefined;
          // Live from now (no after) is answered at once with the cursor to hold from: a 204
          // carries no cursor, so a client that had none could lose what came before its next ask.
          const mine = filtered(r, sources);
          if (mine.messages.length > 0 || r.reset || after === undefined) {
            counters.delivered += mine.messages.length;
            if (mine.messages.length === 0) counters.emptyResponses++;
            return { status: 200, body: readResponseBytes(mine) };
          }
          if (signal.generation === seen) {
            const remaining = deadline - Date.now();
            const why = closing ? 'shutdown' : remaining <= 0 ? 'timeout' : await request.hold(remaining);
            if (why === 'aborted') return undefined;
            if (why === 'timeout' || why === 'shutdown') {
              if (why === 'timeout') counters.timeouts++;
              counters.emptyResponses++;
              // Other channels' messages moved the cursor: say where, or the client would ask
              // from its old one again (and could fall out of the history doing so).
              return r.cursor === after ? { status: 204 } : { status: 200, body: readResponseBytes(mine) };
            }
          }
          seen = signal.generation;
          r = reads.readNow(r.cursor, r.epoch, limit, seen) ?? (await reads.read(r.cursor, r.epoch, limit, seen));
        }
      } finally {
        signal.release();
        res.off('close', request.onClose);
      }
    };

    router.get(this.path, async (ctx) => {
      const query = queries.get(ctx);
      noBuffering(ctx);
      const a = await answer(ctx.res, query);
      if (a !== undefined) answerKoa(ctx, a);
    });
    fastGet(this.path, (req, res, querystring, reply) => {
      const query = queries.peek(querystring);
      if (query === undefined) return false;
      // The head is written whole when the answer is known; a failed read hands Koa the
      // request with the headers the route had set on the Koa path by then.
      answer(res, query).then(
        (a) => {
          if (a !== undefined) reply.answer(res, a);
        },
        () => reply.handBack(req, res, NO_BUFFERING),
      );
      return true;
    });

    return {
      async close() {
        closing = true;
        for (const request of [...held]) request.wake('shutdown');
      },
    };
  },
};
