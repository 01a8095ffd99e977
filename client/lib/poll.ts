import type { Attempt } from './attempt.ts';
import { Driver } from './driver.ts';
import { type ReadRequests, readAdapter } from './http-read.ts';
import type { ResolvedOptions } from './options.ts';
import type { ClientOptions, ClientTransport } from './types.ts';
import { feedUrl, sourcesParam } from './url.ts';

/**
 * Interval polling on a fixed-rate schedule: request k starts at start + k·T (or as soon as
 * the previous answer is in, if that took longer), so a run of D ms makes ≈ ⌈D/T⌉ requests
 * and the mean latency is T/2 plus a round trip. An answer that hit the limit is followed at
 * once by the next request, to catch up. Failures are retried with backoff (the driver's).
 */
export function createPollTransport(options: ClientOptions): ClientTransport {
  return new Driver('poll', options, readAdapter(schedule));
}

/** One attempt: the fixed-rate schedule, from its first request until one fails. */
function schedule(requests: ReadRequests, attempt: Attempt, opts: ResolvedOptions): void {
  const fullAnswer = opts.limit ?? opts.serverReadLimit;
  // When the next request is due, on the schedule itself rather than one interval after the
  // last timer fired: a timer that fires late (a busy machine) then costs no beat of its own.
  let due = performance.now();
  const tick = (onSchedule = true) => {
    // A handler may have stopped the transport while the last answer was delivered.
    if (!attempt.live) return;
    if (onSchedule) {
      // More than a beat late (a slow answer): the schedule starts over from now, with no rush to catch up.
      const now = performance.now();
      due = (now - due > opts.pollIntervalMs ? now : due) + opts.pollIntervalMs;
    }
    const url = feedUrl(opts.baseUrl, '/api/poll', attempt.position, {
      limit: opts.limit,
      sources: sourcesParam(opts),
    });
    if (attempt.state === 'waiting') attempt.setState('open');
    requests.send(url, opts.requestGraceMs, (outcome) => {
      if (outcome.kind !== 'answer') {
        return attempt.fail(outcome.kind === 'error' ? outcome.error : new Error('poll answered 204 No Content'));
      }
      attempt.healthy();
      attempt.setState('waiting');
      attempt.read(outcome.body, outcome.receivedAt);
      if (outcome.body.messages.length >= fullAnswer) return tick(false);
      attempt.later(Math.max(0, due - performance.now()), () => tick());
    });
  };
  tick();
}
