import type { ReadResult } from '../feed/feed.ts';
import { parseAfter, parseEpoch, parseLimit, parseTimeout } from '../query.ts';
import { noBuffering } from './no-buffering.ts';
import { readResponseBody } from './read-response.ts';
import type { Transport } from './transport.ts';

/** Why a held request stopped waiting. */
type Wake = 'message' | 'timeout' | 'aborted' | 'shutdown';

/**
 * Long-polling: answered at once when a message exists after the cursor, otherwise held
 * until one is published (200), the timeout passes (204, an ordinary empty answer), the
 * client goes away (nothing to answer; listener and timer released at once) or the server
 * shuts down (204). It subscribes before it reads, so a message published while the read is
 * in flight wakes it instead of being missed.
 */
export const longPoll: Transport = {
  name: 'long-poll',
  path: '/api/long-poll',
  mount({ router, feed, config, counters }) {
    const held = new Set<(why: Wake) => void>();
    let closing = false;

    router.get(this.path, async (ctx) => {
      const after = parseAfter(ctx.query.after);
      const epoch = parseEpoch(ctx.query.epoch);
      const limit = parseLimit(ctx.query.limit, config.readLimit);
      const timeout = parseTimeout(ctx.query.timeout, config.longPollTimeoutMs, config.longPollMaxTimeoutMs);
      noBuffering(ctx);

      let published = false;
      let gone = false;
      let wake: ((why: Wake) => void) | undefined;
      const unsubscribe = feed.subscribe(() => {
        published = true;
        wake?.('message');
      });
      const onClose = () => {
        if (ctx.res.writableEnded) return;
        gone = true;
        wake?.('aborted');
      };
      ctx.res.on('close', onClose);
      const deadline = Date.now() + timeout;
      try {
        let r: ReadResult = await feed.read(after, { epoch, limit });
        for (;;) {
          if (gone) return;
          // Live from now (no after) is answered at once with the cursor to hold from: a 204
          // carries no cursor, so a client that had none could lose what came before its next ask.
          if (r.messages.length > 0 || r.reset || after === undefined) {
            counters.delivered += r.messages.length;
            if (r.messages.length === 0) counters.emptyResponses++;
            ctx.type = 'application/json';
            ctx.body = readResponseBody(r);
            return;
          }
          if (!published) {
            const remaining = deadline - Date.now();
            const why = closing ? 'shutdown' : remaining <= 0 ? 'timeout' : await hold(remaining);
            if (why === 'aborted') return;
            if (why === 'timeout' || why === 'shutdown') {
              if (why === 'timeout') counters.timeouts++;
              counters.emptyResponses++;
              ctx.status = 204;
              return;
            }
          }
          published = false;
          r = await feed.read(r.cursor, { epoch: r.epoch, limit });
        }
      } finally {
        unsubscribe();
        ctx.res.off('close', onClose);
      }

      function hold(ms: number): Promise<Wake> {
        return new Promise<Wake>((resolve) => {
          counters.held++;
          const timer = setTimeout(() => done('timeout'), ms);
          const done = (why: Wake) => {
            if (wake !== done) return;
            wake = undefined;
            clearTimeout(timer);
            held.delete(done);
            counters.held--;
            resolve(why);
          };
          wake = done;
          held.add(done);
          if (gone) done('aborted');
        });
      }
    });

    return {
      async close() {
        closing = true;
        for (const wakeUp of [...held]) wakeUp('shutdown');
      },
    };
  },
};
