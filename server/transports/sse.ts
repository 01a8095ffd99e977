import type { ServerResponse } from 'node:http';
import type { FeedMessage, Hello } from '../../protocol/wire.ts';
import type { Config } from '../config.ts';
import { PushraceError } from '../errors.ts';
import { httpChunk, sseChunkHeaderBytes, sseMessageChunk } from '../feed/encode.ts';
import type { Following } from '../feed/follow.ts';
import { parseAfter, parseEpoch, parseSources } from '../http/query.ts';
import type { Observer } from '../observe/observer.ts';
import type { TransportCounters } from '../observe/stats.ts';
import { abandon } from './shared/abandon.ts';
import { writeCoalesced } from './shared/coalesce.ts';
import { type FlowSink, startFlow, streamFlow } from './shared/flow.ts';
import { NO_BUFFERING } from './shared/no-buffering.ts';
import { passes, type SourceFilter } from './shared/source-filter.ts';
import type { Transport } from './transport.ts';

/**
 * The first event of a stream: `hello`, or `reset` when the cursor could not be honoured; its
 * data names the instance serving the stream.
 */
function startEvent(h: Hello, retryMs: number, instance: string): string {
  const data = JSON.stringify({ ...h, instance });
  return `retry: ${retryMs}\nid: ${h.cursor}\nevent: ${h.reset ? 'reset' : 'hello'}\ndata: ${data}\n\n`;
}

/** The comment that keeps idle proxies from closing a quiet stream. */
const HEARTBEAT = ': heartbeat\n\n';

/** Where a response's stream is found by the listeners every stream shares. */
const STREAM = Symbol('pushrace.sseStream');

/** A response with its stream. */
interface Streaming extends ServerResponse {
  [STREAM]?: SseStream;
}

/** Not following yet (or any more): a stop has nothing to stop. */
const NOT_FOLLOWING: Following = { stop() {} };

/** What every stream of the transport shares. */
interface Shared {
  config: Config;
  counters: TransportCounters;
  observer: Observer;
  open: Set<SseStream>;
}

/**
 * One client's event stream. Its head goes out through the response; its events go straight
 * to the socket as prebuilt HTTP/1.1 chunks (`sseMessageChunk`), one write each, the same buffer
 * for every client: the bytes `res.write(event)` would send, without its three writes, cork and
 * uncork per event and client. Chunked framing is the response's (an HTTP/1.0 client gets the
 * events unframed, delimited by the connection's close, as Node would send them). The
 * response's first error or close stops the flow at once. A class: one per connected client,
 * holding no closure or timer of its own (its listeners are shared, found from the response,
 * and one timer sends every stream's heartbeat).
 */
class SseStream implements FlowSink {
  readonly #res: ServerResponse;
  readonly #ip: string;
  readonly #shared: Shared;
  #flow: Following = NOT_FOLLOWING;
  #gone = false;
  readonly #chunked: boolean;

  readonly #filter: SourceFilter;

  constructor(res: ServerResponse, ip: string, filter: SourceFilter, shared: Shared) {
    this.#res = res;
    this.#filter = filter;
    this.#chunked = res.chunkedEncoding;
    this.#ip = ip;
    this.#shared = shared;
    (res as Streaming)[STREAM] = this;
    // One listener for both (gone() runs once), and `on` rather than `once`: no wrapper each.
    res.on('close', SseStream.#onGone);
    res.on('error', SseStream.#onGone);
  }

  static readonly #onGone = function (this: Streaming): void {
    this[STREAM]?.gone();
  };

  follow(flow: Following): void {
    this.#flow = flow;
    if (this.#gone) flow.stop();
  }

  /** The heartbeat's turn (every `sseHeartbeatMs`): a comment, unless the reader is behind. */
  beat(): void {
    if (this.queued() <= this.#shared.config.sendBufferBytes) this.#write(HEARTBEAT);
  }

  /** Writes one event's bytes (framed as a chunk when the response is chunked) to the socket. */
  #send(framed: Buffer | string, bare: () => Buffer | string): boolean {
    const socket = this.#res.socket;
    if (this.#gone || !socket || !socket.writable) return false;
    writeCoalesced(socket, this.#chunked ? framed : bare());
    return true;
  }

  #write(text: string): boolean {
    return this.#send(httpChunk(text), () => text);
  }

  /** The client went away or the response failed: stop following and forget the stream. */
  gone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#flow.stop();
    const { observer, open } = this.#shared;
    if (open.delete(this)) {
      observer.metrics.close('sse', 'end');
      observer.log.debug({ event: 'disconnect', transport: 'sse', ip: this.#ip });
    }
  }

  /** Ends the stream politely (server shutdown). */
  end(): void {
    this.gone();
    if (!this.#res.destroyed) this.#res.end();
  }

  start(h: Hello, first: boolean): void {
    // A resume after a pause only speaks when it is a reset: a plain `reset` event.
    const { sseRetryMs, instance } = this.#shared.config;
    this.#write(first ? startEvent(h, sseRetryMs, instance) : startEvent({ ...h, reset: true }, sseRetryMs, instance));
  }

  message(m: FeedMessage): void {
    if (!passes(this.#filter, m)) return;
    const chunk = sseMessageChunk(m);
    if (this.#chunked) {
      // The usual case: the prebuilt chunk, counted by the meter from its known split.
      const socket = this.#res.socket;
      if (this.#gone || !socket || !socket.writable) return;
      writeCoalesced(socket, chunk, sseChunkHeaderBytes(m));
      this.#shared.counters.delivered++;
    } else if (this.#send(chunk, () => chunk.subarray(chunk.indexOf(0x0a) + 1, chunk.length - 2))) {
      this.#shared.counters.delivered++;
    }
  }

  queued(): number {
    return this.#res.writableLength;
  }

  paused(): void {
    this.#shared.observer.metrics.drop('sse', 'paused');
  }

  stalled(): void {
    const { observer } = this.#shared;
    observer.metrics.drop('sse', 'closed');
    observer.violations.report('slow_consumer', { transport: 'sse', ip: this.#ip });
    // The reader is not reading: ending politely would wait behind the full buffer.
    this.gone();
    const socket = this.#res.socket;
    if (socket) abandon(socket);
    else this.#res.destroy();
  }

  error(): void {
    this.end();
  }
}

/**
 * Server-Sent Events: one long response of `id: <seq>` / `data: <json>` events (only the
 * channels in `sources`, when given). `Last-Event-ID`
 * (sent by EventSource on its own reconnects) takes precedence over `after`. Comment lines
 * keep idle proxies from closing the stream. The send buffer is bounded (flow.ts): a slow
 * reader is paused and resumed from the feed; one that stays full is cut off.
 */
export const sse: Transport = {
  name: 'sse',
  path: '/api/sse',
  mount({ router, feed, config, counters, observer, budget }) {
    const shared: Shared = { config, counters, observer, open: new Set() };
    let closing = false;

    router.get(this.path, (ctx) => {
      if (closing) throw new PushraceError('SHUTTING_DOWN');
      const lastEventId = ctx.get('Last-Event-ID');
      const after = parseAfter(lastEventId !== '' ? lastEventId : ctx.query.after);
      const epoch = parseEpoch(ctx.query.epoch);
      const sources = parseSources(ctx.query.sources);

      // From here the response is this transport's own: Koa does not touch it again.
      ctx.respond = false;
      const { res } = ctx;
      ctx.req.socket.setNoDelay(true);
      ctx.req.socket.setTimeout(0);
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'X-Content-Type-Options': 'nosniff', ...NO_BUFFERING });
      res.flushHeaders();
      observer.log.debug({ event: 'connect', transport: 'sse', ip: ctx.ip });
      const stream = new SseStream(res, ctx.ip, sources, shared);
      shared.open.add(stream);
      stream.follow(startFlow(feed, streamFlow({ after, epoch }, config, budget), stream));
    });

    // One timer for every stream's heartbeat: each gets one comment an interval.
    const heartbeat = setInterval(() => {
      for (const stream of shared.open) stream.beat();
    }, config.sseHeartbeatMs);
    heartbeat.unref();

    return {
      async close() {
        closing = true;
        clearInterval(heartbeat);
        for (const stream of [...shared.open]) stream.end();
      },
    };
  },
};
