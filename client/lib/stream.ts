import type { Attempt } from './attempt.ts';
import { now, utf8Length } from './clock.ts';
import type { RequestRecord } from './types.ts';

/** What one unit on a stream is: an SSE event, or a WS frame in either direction. */
export type StreamUnit = 'event' | 'frame-in' | 'frame-out';

/**
 * The RequestRecords of one stream (an SSE stream, a WebSocket), kept the same for both: its
 * opening is recorded once, as `open`, whether it opened or never did, and every unit it
 * carries is recorded with its UTF-8 length (computed only when the caller records).
 */
export class StreamRecorder {
  readonly #attempt: Attempt;
  readonly #url: string;
  readonly #sentAt = now();
  #open = false;

  /** Made just before the stream is: its opening is timed from here. */
  constructor(attempt: Attempt, url: string) {
    this.#attempt = attempt;
    this.#url = url;
  }

  /** Whether the stream opened: its end is then a loss, not a refusal. */
  get isOpen(): boolean {
    return this.#open;
  }

  /** The stream opened with `status` (SSE 200, WS 101). */
  opened(status: number): void {
    this.#open = true;
    this.#attempt.record(this.#opening('ok', status));
  }

  /** The stream ended; if it never opened, that is recorded as a failed opening. */
  ended(error: string, status?: number): void {
    if (this.#open) return;
    this.#attempt.record(this.#opening('error', status, error));
  }

  /**
   * One unit of `text` carrying `messages` feed messages, received or sent `at`; a hello names
   * the `instance` serving the stream. A binary frame gives its `size` in bytes instead of text.
   */
  unit(kind: StreamUnit, text: string, messages: number, at: number, instance?: string, size?: number): void {
    if (!this.#attempt.recording) return;
    const r: Omit<RequestRecord, 'transport'> = {
      kind,
      sentAt: at,
      doneAt: at,
      messages,
      bytes: size ?? utf8Length(text),
      outcome: 'ok',
    };
    if (instance !== undefined) r.instance = instance;
    this.#attempt.record(r);
  }

  #opening(outcome: 'ok' | 'error', status?: number, error?: string): Omit<RequestRecord, 'transport'> {
    return {
      kind: 'open',
      method: 'GET',
      url: this.#url,
      ...(status === undefined ? {} : { status }),
      sentAt: this.#sentAt,
      doneAt: now(),
      messages: 0,
      bytes: 0,
      outcome,
      ...(error === undefined ? {} : { error }),
    };
  }
}
