import { Backoff } from './backoff.ts';
import { Cursor } from './cursor.ts';
import { deliverRead } from './deliver.ts';
import { ReadRequests } from './http-read.ts';
import { fetchOf, resolveOptions } from './options.ts';
import { Session } from './session.ts';
import type { ClientOptions, ClientTransport, ResumePoint, TransportHandlers } from './types.ts';
import { feedUrl } from './url.ts';

/**
 * Long-polling: one request always held by the server; the next goes out as soon as the
 * previous is answered, with messages (200) or empty after the timeout (204, an ordinary
 * answer, not an error). Failures are retried with backoff.
 *
 * Started live (no `after`), it has no cursor until the first message arrives, so a 204 is
 * followed by another live request: a message published in that instant is not seen. Start
 * from a position (e.g. one a poll handed out) when that matters.
 */
export function createLongPollTransport(options: ClientOptions): ClientTransport {
  const opts = resolveOptions(options);
  const session = new Session('long-poll');
  const backoff = new Backoff(opts.backoff);
  let cursor = new Cursor();
  let requests: ReadRequests | undefined;

  const next = (g: number) => {
    if (!requests || !session.current(g)) return;
    const url = feedUrl(opts.baseUrl, '/api/long-poll', cursor.position, {
      timeout: opts.longPollTimeoutMs,
      limit: opts.limit,
    });
    requests.send(g, url, opts.longPollTimeoutMs + opts.requestGraceMs, (outcome) => {
      if (outcome.kind === 'error') {
        session.error(outcome.error);
        session.setState('reconnecting');
        session.later(g, backoff.next(), () => next(g));
        return;
      }
      backoff.reset();
      if (outcome.kind === 'answer') deliverRead(session, cursor, outcome.body, outcome.receivedAt);
      next(g);
    });
    // The server holds it (nothing tells the client more than that): `waiting`, unless this is
    // a retry after a failure, which stays `reconnecting` until it is answered.
    if (backoff.attempt === 0) session.setState('waiting');
  };

  const stop = () => {
    if (!session.running) return;
    requests?.abort();
    requests = undefined;
    session.end();
  };

  return {
    name: 'long-poll',
    get position() {
      return cursor.position;
    },
    start(from: ResumePoint, on: TransportHandlers) {
      stop();
      const fetchImpl = fetchOf(options);
      cursor = new Cursor(from);
      backoff.reset();
      requests = new ReadRequests(session, fetchImpl);
      next(session.begin(on));
    },
    stop,
  };
}
