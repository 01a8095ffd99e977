import type { ReadResponse } from '../../protocol/wire.ts';
import type { Attempt } from './attempt.ts';
import { now, utf8Length } from './clock.ts';
import { decodeReadResponse } from './decode.ts';
import type { Adapter } from './driver.ts';
import { asError, httpError } from './errors.ts';
import { fetchOf, type ResolvedOptions } from './options.ts';
import type { FetchLike } from './types.ts';

/** How one read request ended, as poll and long-poll act on it. */
export type ReadOutcome =
  /** 200: the answer (long-poll: at least one message, or a reset). */
  | { kind: 'answer'; body: ReadResponse; receivedAt: number }
  /** 204: the server's bounded wait passed with nothing (long-poll). */
  | { kind: 'timeout' }
  /** No usable answer: network failure, non-2xx, malformed body, or the deadline passed. */
  | { kind: 'error'; error: Error };

interface InFlight {
  readonly controller: AbortController;
  readonly url: string;
  readonly sentAt: number;
}

/**
 * The GET requests of one poll or long-poll attempt, at most one in flight: each is recorded,
 * bounded by a deadline (a request that hangs is abandoned and retried), and aborted by
 * `abort()` on stop, which reports it as `aborted` at once and drops its late answer.
 */
export class ReadRequests {
  readonly #attempt: Attempt;
  readonly #fetch: FetchLike;
  #inflight: InFlight | undefined;

  constructor(attempt: Attempt, fetchImpl: FetchLike) {
    this.#attempt = attempt;
    this.#fetch = fetchImpl;
  }

  /**
   * Sends `GET url`; `done` is called with the outcome unless the attempt went stale first.
   * After `deadlineMs` without an answer the request is aborted and ends as an error.
   */
  send(url: string, deadlineMs: number, done: (outcome: ReadOutcome) => void): void {
    const attempt = this.#attempt;
    const controller = new AbortController();
    const sentAt = now();
    const inflight: InFlight = { controller, url, sentAt };
    this.#inflight = inflight;
    const cancelDeadline = attempt.later(deadlineMs, () =>
      controller.abort(new Error(`no answer from ${url} within ${deadlineMs} ms`)),
    );
    let instance: string | undefined;
    const finish = (outcome: ReadOutcome, status: number | undefined, text: string) => {
      cancelDeadline();
      if (!attempt.live || this.#inflight !== inflight) return;
      this.#inflight = undefined;
      if (attempt.recording) {
        const doneAt = outcome.kind === 'answer' ? outcome.receivedAt : now();
        const messages = outcome.kind === 'answer' ? outcome.body.messages.length : 0;
        attempt.record({
          kind: 'http',
          method: 'GET',
          url,
          ...(status === undefined ? {} : { status }),
          sentAt,
          doneAt,
          messages,
          bytes: utf8Length(text),
          outcome:
            outcome.kind === 'answer'
              ? messages > 0
                ? 'ok'
                : 'empty'
              : outcome.kind === 'timeout'
                ? 'timeout'
                : 'error',
          ...(outcome.kind === 'error' ? { error: outcome.error.message } : {}),
          ...(instance === undefined ? {} : { instance }),
        });
      }
      done(outcome);
    };

    const request = async (): Promise<[ReadOutcome, number | undefined, string]> => {
      let status: number | undefined;
      let text = '';
      try {
        const res = await this.#fetch(url, { signal: controller.signal });
        status = res.status;
        instance = res.headers?.get('x-pushrace-instance') ?? undefined;
        text = await res.text();
        const receivedAt = now();
        if (res.status === 204) return [{ kind: 'timeout' }, status, text];
        if (!res.ok) return [{ kind: 'error', error: httpError(res.status, text) }, status, text];
        return [{ kind: 'answer', body: decodeReadResponse(text), receivedAt }, status, text];
      } catch (err) {
        const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
        return [{ kind: 'error', error: asError(reason) }, status, text];
      }
    };
    // finish runs outside request's try, so a bug past this point is an unhandled rejection, not swallowed.
    void request().then(([outcome, status, text]) => finish(outcome, status, text));
  }

  /** Aborts the request in flight, if any, reporting it as `aborted` now (called by stop). */
  abort(): void {
    const inflight = this.#inflight;
    if (!inflight) return;
    this.#inflight = undefined;
    this.#attempt.record({
      kind: 'http',
      method: 'GET',
      url: inflight.url,
      sentAt: inflight.sentAt,
      doneAt: now(),
      messages: 0,
      bytes: 0,
      outcome: 'aborted',
    });
    inflight.controller.abort(new Error('stopped'));
  }
}

/**
 * The adapter of a transport made of GET requests (poll, long-poll), so each says only how its
 * requests follow one another: every attempt is one ReadRequests driven by `schedule`, and is
 * closed by aborting the request in flight.
 */
export function readAdapter(
  schedule: (requests: ReadRequests, attempt: Attempt, opts: ResolvedOptions) => void,
): Adapter {
  return (opts) => {
    const fetchImpl = fetchOf(opts);
    return (attempt) => {
      const requests = new ReadRequests(attempt, fetchImpl);
      schedule(requests, attempt, opts);
      return { close: () => requests.abort() };
    };
  };
}
