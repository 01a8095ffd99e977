import type { Attempt } from './attempt.ts';
import { now } from './clock.ts';
import { asFeedMessage, asHello, decodeSseData } from './decode.ts';
import { type Connection, Driver } from './driver.ts';
import { asError } from './errors.ts';
import { eventSourceOf, type ResolvedOptions } from './options.ts';
import { StreamRecorder } from './stream.ts';
import type { ClientOptions, ClientTransport, EventSourceConstructor, FeedMessage } from './types.ts';
import { feedUrl, sourcesParam } from './url.ts';

/**
 * Server-Sent Events. EventSource's own reconnect is not used: it would resume with
 * Last-Event-ID alone, without the epoch, and so could not tell a restarted server (whose
 * seqs start again) from the same one. On any error the stream is closed and reopened, after
 * backoff, with `after=<cursor>&epoch=<epoch>`, so a restart is answered with a `reset` event.
 */
export function createSseTransport(options: ClientOptions): ClientTransport {
  return new Driver('sse', options, (opts) => {
    const EventSourceImpl = eventSourceOf(opts);
    return (attempt) => stream(attempt, opts, EventSourceImpl);
  });
}

/** One attempt: one EventSource, from its opening until its first error. */
function stream(attempt: Attempt, opts: ResolvedOptions, EventSourceImpl: EventSourceConstructor): Connection {
  const url = feedUrl(opts.baseUrl, '/api/sse', attempt.position, { sources: sourcesParam(opts) });
  const wire = new StreamRecorder(attempt, url);
  const es = new EventSourceImpl(url);

  const onStart = (ev: { data: string }) => {
    const at = now();
    try {
      const hello = decodeSseData(ev.data, asHello, 'SSE hello');
      wire.unit('event', ev.data, 0, at, hello.instance);
      attempt.healthy();
      attempt.hello(hello);
      attempt.setState('open');
    } catch (err) {
      wire.unit('event', ev.data, 0, at);
      attempt.error(asError(err));
    }
  };

  es.addEventListener('open', () => wire.opened(200));
  es.addEventListener('hello', onStart);
  es.addEventListener('reset', onStart);
  es.addEventListener('message', (ev) => {
    const receivedAt = now();
    wire.unit('event', ev.data, 1, receivedAt);
    let message: FeedMessage;
    try {
      message = decodeSseData(ev.data, asFeedMessage, 'SSE message');
    } catch (err) {
      return attempt.error(asError(err));
    }
    attempt.message(message, receivedAt);
  });
  es.addEventListener('error', (ev) => {
    const detail = 'message' in ev && typeof ev.message === 'string' && ev.message ? `: ${ev.message}` : '';
    wire.ended(`could not open the stream${detail}`, 'code' in ev && typeof ev.code === 'number' ? ev.code : undefined);
    attempt.fail(new Error(wire.isOpen ? `SSE stream lost${detail}` : `SSE stream could not open${detail}`));
  });

  return {
    close() {
      es.close();
      // The `eventsource` package arms its own reconnect timer just after dispatching `error`;
      // closing again once that dispatch is over clears it, so no timer outlives the stream.
      queueMicrotask(() => es.close());
    },
  };
}
