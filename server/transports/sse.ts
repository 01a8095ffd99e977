import { PassThrough } from 'node:stream';
import type { FeedMessage, Hello } from '../../protocol/wire.ts';
import { sseMessageEvent } from '../feed/encode.ts';
import { follow } from '../feed/follow.ts';
import { PushraceError } from '../errors.ts';
import { parseAfter, parseEpoch } from '../query.ts';
import type { Transport } from './transport.ts';

/** The first event of a stream: `hello`, or `reset` when the cursor could not be honoured. */
function startEvent(h: Hello, retryMs: number): string {
  return `retry: ${retryMs}\nid: ${h.cursor}\nevent: ${h.reset ? 'reset' : 'hello'}\ndata: ${JSON.stringify(h)}\n\n`;
}

/**
 * Server-Sent Events: one long response of `id: <seq>` / `data: <json>` events. `Last-Event-ID`
 * (sent by EventSource on its own reconnects) takes precedence over `after`. Comment lines
 * keep idle proxies from closing the stream.
 */
export const sse: Transport = {
  name: 'sse',
  path: '/api/sse',
  mount({ router, feed, config, counters }) {
    const open = new Set<PassThrough>();
    let closing = false;

    router.get(this.path, async (ctx) => {
      if (closing) throw new PushraceError('SHUTTING_DOWN');
      const lastEventId = ctx.get('Last-Event-ID');
      const after = parseAfter(lastEventId !== '' ? lastEventId : ctx.query.after);
      const epoch = parseEpoch(ctx.query.epoch);

      ctx.req.socket.setNoDelay(true);
      ctx.req.socket.setTimeout(0);
      ctx.status = 200;
      ctx.type = 'text/event-stream';
      ctx.set('Cache-Control', 'no-store');
      ctx.set('X-Accel-Buffering', 'no');
      const stream = new PassThrough();
      open.add(stream);
      ctx.body = stream;

      const stop = follow(
        feed,
        { after, epoch, pageSize: config.readLimit },
        {
          start: (h) => stream.write(startEvent(h, config.sseRetryMs)),
          message: (m: FeedMessage) => {
            stream.write(sseMessageEvent(m));
            counters.delivered++;
          },
          error: () => stream.end(),
        },
      );
      const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), config.sseHeartbeatMs);
      const cleanup = () => {
        clearInterval(heartbeat);
        stop();
        open.delete(stream);
      };
      ctx.res.once('close', () => {
        cleanup();
        stream.destroy();
      });
      stream.once('finish', cleanup);
    });

    return {
      async close() {
        closing = true;
        for (const stream of [...open]) stream.end();
      },
    };
  },
};
