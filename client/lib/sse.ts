import { Backoff } from './backoff.ts';
import { now, utf8Length } from './clock.ts';
import { Cursor } from './cursor.ts';
import { asFeedMessage, asHello, decodeSseData } from './decode.ts';
import { deliverHello, deliverMessage } from './deliver.ts';
import { asError } from './errors.ts';
import { eventSourceOf, resolveOptions } from './options.ts';
import { Session } from './session.ts';
import type {
  ClientOptions,
  ClientTransport,
  EventSourceConstructor,
  EventSourceLike,
  ResumePoint,
  TransportHandlers,
} from './types.ts';
import { feedUrl } from './url.ts';

/**
 * Server-Sent Events. EventSource's own reconnect is not used: it would resume with
 * Last-Event-ID alone, without the epoch, and so could not tell a restarted server (whose
 * seqs start again) from the same one. On any error the stream is closed and reopened, after
 * backoff, with `after=<cursor>&epoch=<epoch>`, so a restart is answered with a `reset` event.
 */
export function createSseTransport(options: ClientOptions): ClientTransport {
  const opts = resolveOptions(options);
  const session = new Session('sse');
  const backoff = new Backoff(opts.backoff);
  let cursor = new Cursor();
  let EventSourceImpl: EventSourceConstructor | undefined;
  let source: EventSourceLike | undefined;

  const connect = () => {
    if (!EventSourceImpl) return;
    const g = session.renew();
    const url = feedUrl(opts.baseUrl, '/api/sse', cursor.position);
    const sentAt = now();
    let opened = false;
    let es: EventSourceLike;
    try {
      es = new EventSourceImpl(url);
    } catch (err) {
      return drop(asError(err));
    }
    source = es;

    const event = (data: string, messages: number, receivedAt: number) => {
      if (session.recording) {
        const bytes = utf8Length(data);
        session.record({ kind: 'event', sentAt: receivedAt, doneAt: receivedAt, messages, bytes, outcome: 'ok' });
      }
    };
    const onStart = (ev: { data: string }) => {
      if (!session.current(g)) return;
      const receivedAt = now();
      event(ev.data, 0, receivedAt);
      try {
        const hello = decodeSseData(ev.data, asHello, 'SSE hello');
        backoff.reset();
        deliverHello(session, cursor, hello);
        session.setState('open');
      } catch (err) {
        session.error(asError(err));
      }
    };

    es.addEventListener('open', () => {
      if (!session.current(g)) return;
      opened = true;
      session.record({
        kind: 'open',
        method: 'GET',
        url,
        status: 200,
        sentAt,
        doneAt: now(),
        messages: 0,
        bytes: 0,
        outcome: 'ok',
      });
    });
    es.addEventListener('hello', onStart);
    es.addEventListener('reset', onStart);
    es.addEventListener('message', (ev) => {
      if (!session.current(g)) return;
      const receivedAt = now();
      event(ev.data, 1, receivedAt);
      let message: ReturnType<typeof asFeedMessage>;
      try {
        message = decodeSseData(ev.data, asFeedMessage, 'SSE message');
      } catch (err) {
        return session.error(asError(err));
      }
      deliverMessage(session, cursor, message, receivedAt);
    });
    es.addEventListener('error', (ev) => {
      if (!session.current(g)) return;
      const detail = 'message' in ev && typeof ev.message === 'string' && ev.message ? `: ${ev.message}` : '';
      if (!opened) {
        session.record({
          kind: 'open',
          method: 'GET',
          url,
          ...('code' in ev && typeof ev.code === 'number' ? { status: ev.code } : {}),
          sentAt,
          doneAt: now(),
          messages: 0,
          bytes: 0,
          outcome: 'error',
          error: `could not open the stream${detail}`,
        });
      }
      drop(new Error(opened ? `SSE stream lost${detail}` : `SSE stream could not open${detail}`));
    });
  };

  /** Closes the current stream and reopens it from the cursor after backoff. */
  const drop = (err: Error) => {
    closeSource();
    session.error(err);
    session.setState('reconnecting');
    session.later(session.renew(), backoff.next(), connect);
  };

  const closeSource = () => {
    const es = source;
    source = undefined;
    if (!es) return;
    es.close();
    // The `eventsource` package arms its own reconnect timer just after dispatching `error`;
    // closing again once that dispatch is over clears it, so no timer outlives the stream.
    queueMicrotask(() => es.close());
  };

  const stop = () => {
    if (!session.running) return;
    closeSource();
    session.end();
  };

  return {
    name: 'sse',
    get position() {
      return cursor.position;
    },
    start(from: ResumePoint, on: TransportHandlers) {
      stop();
      EventSourceImpl = eventSourceOf(options);
      cursor = new Cursor(from);
      backoff.reset();
      session.begin(on);
      connect();
    },
    stop,
  };
}
