/**
 * Raw HTTP/1.1 clients, one keep-alive socket each: a request is one `write` of its text, an
 * answer is read by its head's `Content-Length` (every poll and long-poll answer here has one,
 * or is a 204), and a stream (SSE) is scanned as it comes, chunk-size lines and all: the scan
 * only looks for the message keys. The cheapest client that still checks every seq.
 */
import net from 'node:net';
import { now, numberAfter, scanMessages } from './track.ts';
import type { RawTarget } from './ws.ts';

const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = Buffer.from('content-length:');
const CURSOR = Buffer.from('"cursor":');

/** One answer: its status and body. */
export interface RawAnswer {
  status: number;
  body: Buffer;
}

/** A keep-alive connection carrying one request at a time. */
export class Conn {
  readonly #socket: net.Socket;
  #pending: Buffer | null = null;
  #waiting: ((a: RawAnswer, at: number) => void) | null = null;
  /** Hears every byte of a streamed body (SSE, an answer without a length) once its head is read. */
  stream: ((buf: Buffer, at: number) => void) | null = null;
  #streaming = false;
  #closed = false;

  constructor(t: Pick<RawTarget, 'host' | 'port' | 'localAddress'>, onError: (why: string) => void) {
    this.#socket = net.connect({
      host: t.host,
      port: t.port,
      noDelay: true,
      ...(t.localAddress ? { localAddress: t.localAddress } : {}),
    });
    const fail = (why: string) => {
      if (this.#closed) return;
      this.#closed = true;
      onError(why);
    };
    this.#socket.on('data', (chunk: Buffer) => this.#data(chunk, fail));
    this.#socket.on('error', (e) => fail(e.message));
    this.#socket.on('close', () => fail('the connection closed'));
  }

  /** Sends `text` (a whole request); `then` gets the answer. */
  send(text: string, then: (a: RawAnswer, at: number) => void): void {
    this.#waiting = then;
    this.#socket.write(text);
  }

  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #data(chunk: Buffer, fail: (why: string) => void): void {
    const at = now();
    if (this.#streaming) {
      this.stream?.(chunk, at);
      return;
    }
    let buf = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = null;
    for (;;) {
      const end = buf.indexOf(HEAD_END);
      if (end < 0) break;
      const status = Number(buf.toString('latin1', 9, 12));
      const head = buf.subarray(0, end);
      const lower = Buffer.from(head.toString('latin1').toLowerCase(), 'latin1');
      const length = status === 204 || status === 304 ? 0 : numberAfter(lower, CONTENT_LENGTH);
      if (length === null) {
        if (status === 200 && this.stream) {
          this.#streaming = true;
          this.#waiting?.({ status, body: Buffer.alloc(0) }, at);
          this.#waiting = null;
          this.stream?.(buf.subarray(end + HEAD_END.length), at);
          return;
        }
        fail(`an answer without Content-Length: ${head.toString('latin1')}`);
        return;
      }
      const bodyStart = end + HEAD_END.length;
      if (buf.length < bodyStart + length) break;
      const then = this.#waiting;
      this.#waiting = null;
      then?.({ status, body: buf.subarray(bodyStart, bodyStart + length) }, at);
      buf = buf.subarray(bodyStart + length);
      if (buf.length === 0) return;
    }
    this.#pending = buf;
  }
}

const get = (t: RawTarget, path: string) => `GET ${path} HTTP/1.1\r\nHost: ${t.host}:${t.port}\r\n\r\n`;

/** An SSE stream: one GET, then every complete line of the body scanned for messages. */
export function openSse(t: RawTarget): { close(): void } {
  const conn = new Conn(t, t.onError);
  let tail: Buffer | null = null;
  conn.stream = (chunk, at) => {
    const buf = tail ? Buffer.concat([tail, chunk]) : chunk;
    const lastLine = buf.lastIndexOf(0x0a);
    scanMessages(buf, 0, lastLine + 1, (seq, ts) => t.tracker.receive(seq, ts, at));
    tail = lastLine + 1 < buf.length ? buf.subarray(lastLine + 1) : null;
  };
  t.tracker.requests++;
  conn.send(get(t, t.path), (a) => {
    if (a.status !== 200) t.onError(`SSE answered ${a.status}`);
    else t.onReady();
  });
  return conn;
}

/** `path` with `after=<cursor>` set (it ends in `?…` or has no query). */
const withCursor = (path: string, cursor: number) => `${path}${path.includes('?') ? '&' : '?'}after=${cursor}`;

/** A dropped polling client asks again after a random wait in [min, min + spread) ms, as a browser retries a GET. */
export const RETRY = { minMs: 200, spreadMs: 300 };

/**
 * Long-poll (`poll: 0`) or interval polling (`poll: T` ms after each answer): `after=<cursor>`,
 * the cursor the answer's `"cursor"` says. `rtt` hears each request's round trip (polling). A
 * closed connection or an error status (an overloaded server's 408 or 503) is reported and the
 * request sent again on a new connection, with the same cursor, so nothing is skipped.
 */
export function openPolling(t: RawTarget, pollMs: number, rtt: (ms: number) => void): { close(): void } {
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let cursor = t.tracker.last;
  let answered = false;
  const retry = (why: string) => {
    t.onError(why);
    if (closed) return;
    conn.close();
    clearTimeout(timer);
    timer = setTimeout(
      () => {
        conn = new Conn(t, retry);
        ask();
      },
      RETRY.minMs + Math.random() * RETRY.spreadMs,
    );
  };
  let conn = new Conn(t, retry);
  const ask = () => {
    if (closed) return;
    const sent = now();
    t.tracker.requests++;
    conn.send(get(t, withCursor(t.path, cursor)), (a, at) => {
      if (a.status === 200) {
        scanMessages(a.body, 0, a.body.length, (seq, ts) => t.tracker.receive(seq, ts, at));
        cursor = numberAfter(a.body, CURSOR) ?? cursor;
      } else if (a.status !== 204) return retry(`answered ${a.status}: ${a.body.toString('utf8', 0, 200)}`);
      if (pollMs > 0) {
        rtt(at - sent);
        if (!answered) t.onReady();
        answered = true;
        timer = setTimeout(ask, pollMs);
      } else ask();
    });
    if (pollMs === 0 && !answered) {
      answered = true;
      t.onReady();
    }
  };
  ask();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      conn.close();
    },
  };
}

const SID = /"sid":"([^"]+)"/;

/**
 * socket.io's polling transport (engine.io v4): the handshake GET, a POST of `40` to join the
 * default namespace, then GETs held by the server until packets are due (`\x1e`-separated);
 * a ping (`2`) is answered by a POST of `3` on a second connection, as a browser would.
 */
export function openSocketIoPolling(t: RawTarget): { close(): void } {
  const conn = new Conn(t, t.onError);
  let side: Conn | null = null;
  let closed = false;
  let path = t.path;
  const post = (c: Conn, body: string, then: () => void) => {
    t.tracker.requests++;
    c.send(
      `POST ${path} HTTP/1.1\r\nHost: ${t.host}:${t.port}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      (a) => (a.status === 200 ? then() : t.onError(`socket.io POST answered ${a.status}`)),
    );
  };
  const poll = () => {
    if (closed) return;
    t.tracker.requests++;
    conn.send(get(t, path), (a, at) => {
      if (a.status !== 200) return t.onError(`socket.io GET answered ${a.status}`);
      scanMessages(a.body, 0, a.body.length, (seq, ts) => t.tracker.receive(seq, ts, at));
      if (a.body.length < 64 || a.body.includes('\x1e2')) {
        for (const packet of a.body.toString('utf8').split('\x1e')) {
          if (packet.startsWith('40')) t.onReady();
          else if (packet === '2') {
            side ??= new Conn(t, t.onError);
            post(side, '3', () => {});
          } else if (packet.startsWith('1') || packet.startsWith('44')) t.onError(`socket.io closed: ${packet}`);
        }
      }
      poll();
    });
  };
  t.tracker.requests++;
  conn.send(get(t, t.path), (a) => {
    const sid = SID.exec(a.body.toString('utf8'))?.[1];
    if (a.status !== 200 || !sid) return t.onError(`socket.io handshake answered ${a.status}`);
    path = `${t.path}&sid=${sid}`;
    post(conn, '40', poll);
  });
  return {
    close() {
      closed = true;
      conn.close();
      side?.close();
    },
  };
}
