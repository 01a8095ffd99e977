import { PassThrough } from 'node:stream';
import type { FeedMessage, Hello } from '../../protocol/wire.ts';
import { PushraceError } from '../errors.ts';
import { sseMessageEvent } from '../feed/encode.ts';
import { parseAfter, parseEpoch } from '../http/query.ts';
import { flowFollow } from './shared/flow.ts';
import { noBuffering } from './shared/no-buffering.ts';
import type { Transport } from './transport.ts';

/** The first event of a stream: `hello`, or `reset` when the cursor could not be honoured. */
function startEvent(h: Hello, retryMs: number): string {
  return `retry: ${retryMs}\nid: ${h.cursor}\nevent: ${h.reset ? 'reset' : 'hello'}\ndata: ${JSON.stringify(h)}\n\n`;
}

/**
 * Server-Sent Events: one long response of `id: <seq>` / `data: <json>` events. `Last-Event-ID`
 * (sent by EventSource on its own reconnects) takes precedence over `after`. Comment lines
 * keep idle proxies from closing the stream. The send buffer is bounded (flow.ts): a slow
 * reader is paused and resumed from the feed; one that stays full is cut off.
 */
export const sse: Transport = {
  name: 'sse',
  path: '/api/sse',
  mount({ router, feed, config, counters, observer }) {
    const { log, metrics } = observer;
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
      noBuffering(ctx);
      const stream = new PassThrough();
      open.add(stream);
      ctx.body = stream;
      const res = ctx.res;
      const ip = ctx.ip;
      log.debug({ event: 'connect', transport: 'sse', ip });

      const stop = flowFollow(
        feed,
        { after, epoch, pageSize: config.readLimit, bound: config.sendBufferBytes, stallMs: config.slowConsumerMs },
        // Methods, not arrow properties: one set per client, and methods need no name of their own.
        {
          start(h, first) {
            // A resume after a pause only speaks when it is a reset: a plain `reset` event.
            stream.write(
              first ? startEvent(h, config.sseRetryMs) : startEvent({ ...h, reset: true }, config.sseRetryMs),
            );
          },
          message(m: FeedMessage) {
            stream.write(sseMessageEvent(m));
            counters.delivered++;
          },
          queued() {
            return stream.writableLength + stream.readableLength + res.writableLength;
          },
          paused() {
            metrics.drop('sse', 'paused');
          },
          stalled() {
            metrics.drop('sse', 'closed');
            observer.violations.report('slow_consumer', { transport: 'sse', ip });
            // The reader is not reading: ending politely would wait behind the full buffer.
            res.destroy();
          },
          error() {
            stream.end();
          },
        },
      );
      const heartbeat = setInterval(() => {
        if (stream.writableLength + stream.readableLength + res.writableLength <= config.sendBufferBytes) {
          stream.write(': heartbeat\n\n');
        }
      }, config.sseHeartbeatMs);
      const cleanup = () => {
        clearInterval(heartbeat);
        stop();
        if (open.delete(stream)) {
          metrics.close('sse', 'end');
          log.debug({ event: 'disconnect', transport: 'sse', ip });
        }
      };
      res.once('close', () => {
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
