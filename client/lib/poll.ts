import { Backoff } from './backoff.ts';
import { Cursor } from './cursor.ts';
import { deliverRead } from './deliver.ts';
import { ReadRequests } from './http-read.ts';
import { fetchOf, resolveOptions } from './options.ts';
import { Session } from './session.ts';
import type { ClientOptions, ClientTransport, ResumePoint, TransportHandlers } from './types.ts';
import { feedUrl } from './url.ts';

/**
 * Interval polling on a fixed-rate schedule: request k starts at start + k·T (or as soon as
 * the previous answer is in, if that took longer), so a run of D ms makes ≈ ⌈D/T⌉ requests
 * and the mean latency is T/2 plus a round trip. An answer that hit the limit is followed at
 * once by the next request, to catch up. Failures are retried with backoff.
 */
export function createPollTransport(options: ClientOptions): ClientTransport {
  const opts = resolveOptions(options);
  const session = new Session('poll');
  const backoff = new Backoff(opts.backoff);
  const fullAnswer = opts.limit ?? opts.serverReadLimit;
  let cursor = new Cursor();
  let requests: ReadRequests | undefined;

  const tick = (g: number) => {
    if (!requests || !session.current(g)) return;
    const startedAt = performance.now();
    const url = feedUrl(opts.baseUrl, '/api/poll', cursor.position, { limit: opts.limit });
    if (session.state === 'waiting') session.setState('open');
    requests.send(g, url, opts.requestGraceMs, (outcome) => {
      if (outcome.kind !== 'answer') {
        session.error(outcome.kind === 'error' ? outcome.error : new Error('poll answered 204 No Content'));
        session.setState('reconnecting');
        session.later(g, backoff.next(), () => tick(g));
        return;
      }
      backoff.reset();
      session.setState('waiting');
      deliverRead(session, cursor, outcome.body, outcome.receivedAt);
      if (outcome.body.messages.length >= fullAnswer) return tick(g);
      const wait = Math.max(0, startedAt + opts.pollIntervalMs - performance.now());
      session.later(g, wait, () => tick(g));
    });
  };

  const stop = () => {
    if (!session.running) return;
    requests?.abort();
    requests = undefined;
    session.end();
  };

  return {
    name: 'poll',
    get position() {
      return cursor.position;
    },
    start(from: ResumePoint, on: TransportHandlers) {
      stop();
      const fetchImpl = fetchOf(options);
      cursor = new Cursor(from);
      backoff.reset();
      requests = new ReadRequests(session, fetchImpl);
      tick(session.begin(on));
    },
    stop,
  };
}
