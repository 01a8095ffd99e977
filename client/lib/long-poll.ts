import type { Attempt } from './attempt.ts';
import { Driver } from './driver.ts';
import { type ReadRequests, readAdapter } from './http-read.ts';
import type { ResolvedOptions } from './options.ts';
import type { ClientOptions, ClientTransport } from './types.ts';
import { feedUrl, sourcesParam } from './url.ts';

/**
 * Long-polling: one request always held by the server; the next goes out as soon as the
 * previous is answered, with messages (200) or empty after the timeout (204, an ordinary
 * answer, not an error). Failures are retried with backoff (the driver's).
 *
 * Started live (no `after`), it has no cursor until the first message arrives, so a 204 is
 * followed by another live request: a message published in that instant is not seen. Start
 * from a position (e.g. one a poll handed out) when that matters.
 */
export function createLongPollTransport(options: ClientOptions): ClientTransport {
  return new Driver('long-poll', options, readAdapter(hold));
}

/** One attempt: held requests back to back, until one fails. */
function hold(requests: ReadRequests, attempt: Attempt, opts: ResolvedOptions): void {
  const next = () => {
    // A handler may have stopped the transport while the last answer was delivered.
    if (!attempt.live) return;
    const url = feedUrl(opts.baseUrl, '/api/long-poll', attempt.position, {
      timeout: opts.longPollTimeoutMs,
      limit: opts.limit,
      sources: sourcesParam(opts),
    });
    requests.send(url, opts.longPollTimeoutMs + opts.requestGraceMs, (outcome) => {
      if (outcome.kind === 'error') return attempt.fail(outcome.error);
      attempt.healthy();
      if (outcome.kind === 'answer') attempt.read(outcome.body, outcome.receivedAt);
      next();
    });
    // The server holds it (nothing tells the client more than that): `waiting`, unless this is
    // a retry after a failure, which stays `reconnecting` until it is answered.
    if (!attempt.recovering) attempt.setState('waiting');
  };
  next();
}
