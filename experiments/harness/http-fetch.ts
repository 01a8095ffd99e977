/**
 * What the load clients are given in place of the browser's networking, so that client/lib runs
 * unchanged: a `fetch` for poll and long-poll, a fetch for the `eventsource` package, and a
 * WebSocket constructor — each bound to the client's own keep-alive connection (as a browser
 * tab has one) and to a chosen loopback source address, because one source address has only
 * ~28 000 ephemeral ports and a scale run opens tens of thousands of connections.
 *
 * Built on raw-http.ts rather than Node's fetch or http client: `undici` (which would take a
 * `localAddress`) is not importable here, and Node's http client costs the load core several
 * times more per request (see raw-http.ts).
 */
import type { EventSourceFetchInit, FetchLikeResponse, ReaderLike } from 'eventsource';
import type { FetchLike, ResponseLike } from '../../client/lib/types.ts';
import type { ClientConnection, RawHead } from './raw-http.ts';

/** client/lib's `FetchLike` (poll, long-poll): resolves once the whole body is in. */
export function connectionFetch(conn: ClientConnection): FetchLike {
  return (url, init = {}) =>
    new Promise<ResponseLike>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let status = 0;
      conn.send(
        {
          method: init.method ?? 'GET',
          url: new URL(url),
          ...(init.headers ? { headers: init.headers } : {}),
          ...(init.body !== undefined ? { body: init.body } : {}),
        },
        {
          head: (h) => {
            status = h.status;
          },
          data: (c) => chunks.push(c),
          end: () => {
            const text =
              chunks.length === 1 ? (chunks[0]?.toString('utf8') ?? '') : Buffer.concat(chunks).toString('utf8');
            resolve({ status, ok: status >= 200 && status < 300, text: async () => text });
          },
          error: reject,
        },
        init.signal,
      );
    });
}

/** A web-stream-like reader over pushed chunks: all the `eventsource` package reads. */
class ChunkReader implements ReaderLike {
  readonly #queue: Buffer[] = [];
  #ended = false;
  #failed: Error | undefined;
  #waiting:
    | { resolve(r: { done: false; value: Uint8Array } | { done: true }): void; reject(e: Error): void }
    | undefined;
  readonly #cancel: () => void;

  constructor(cancel: () => void) {
    this.#cancel = cancel;
  }

  push(chunk: Buffer): void {
    const w = this.#waiting;
    if (w) {
      this.#waiting = undefined;
      w.resolve({ done: false, value: chunk });
    } else this.#queue.push(chunk);
  }

  end(err?: Error): void {
    this.#ended = true;
    this.#failed = err;
    const w = this.#waiting;
    this.#waiting = undefined;
    if (w && err) w.reject(err);
    else w?.resolve({ done: true });
  }

  read(): Promise<{ done: false; value: Uint8Array } | { done: true }> {
    const next = this.#queue.shift();
    if (next) return Promise.resolve({ done: false, value: next });
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#ended) return Promise.resolve({ done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  cancel(): Promise<void> {
    this.#cancel();
    this.end();
    return Promise.resolve();
  }
}

/** The `eventsource` package's fetch: resolves at the answer's head, the body streamed. */
export function eventSourceFetch(
  conn: ClientConnection,
): (url: string | URL, init: EventSourceFetchInit) => Promise<FetchLikeResponse> {
  return (url, init) =>
    new Promise<FetchLikeResponse>((resolve, reject) => {
      const signal: unknown = init.signal;
      const reader = new ChunkReader(() => conn.close());
      let answered = false;
      conn.send(
        { method: 'GET', url: new URL(String(url)), headers: { ...init.headers } },
        {
          head: (h: RawHead) => {
            answered = true;
            resolve({
              body: { getReader: () => reader },
              url: String(url),
              status: h.status,
              redirected: false,
              headers: { get: (name: string) => h.headers.get(name.toLowerCase()) ?? null },
            });
          },
          data: (c) => reader.push(c),
          end: () => reader.end(),
          error: (e) => (answered ? reader.end(e) : reject(e)),
        },
        signal instanceof AbortSignal ? signal : undefined,
      );
    });
}
