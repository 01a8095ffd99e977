/**
 * A lean HTTP/1.1 client connection: one keep-alive socket per simulated client, one request at
 * a time, as a browser tab holds a connection to its origin. It exists because the load core
 * must stay cheap: with Node's http client (ClientRequest, Agent, IncomingMessage streams) a
 * long-poll cycle cost the client core ~0.3 ms, so 1000 clients released at once measured the
 * client's own queue instead of the server. A browser does this work in its network process,
 * off the page's thread; this is the closest a single load core gets.
 *
 * Understood: status line, headers, Content-Length, chunked bodies, bodies ending at close,
 * no body for 204/304. Not: pipelining, trailers' contents, 1xx answers, redirects.
 */
import net from 'node:net';

/** What a request is. */
export interface RawRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: string;
}

/** The start of an answer. */
export interface RawHead {
  status: number;
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Map<string, string>;
}

/** Where an answer goes, as it arrives. Exactly one of `end` or `error` ends it. */
export interface RawSink {
  head(head: RawHead): void;
  data(chunk: Buffer): void;
  end(): void;
  error(err: Error): void;
}

const EMPTY = Buffer.alloc(0);
/** Largest response head accepted (Node's own default limit). */
const MAX_HEAD = 16 * 1024;

type State = 'head' | 'fixed' | 'size' | 'chunk' | 'crlf' | 'trailer' | 'close' | 'done';

/** Parses one response from the bytes of a socket. */
export class ResponseParser {
  #buf: Buffer = EMPTY;
  #state: State = 'head';
  #remaining = 0;
  keepAlive = true;
  readonly #sink: RawSink;

  constructor(sink: RawSink) {
    this.#sink = sink;
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  push(chunk: Buffer): void {
    this.#buf = this.#buf.length > 0 ? Buffer.concat([this.#buf, chunk]) : chunk;
    for (;;) {
      const buf = this.#buf;
      switch (this.#state) {
        case 'head': {
          const i = buf.indexOf('\r\n\r\n');
          if (i < 0) {
            if (buf.length > MAX_HEAD) {
              this.#fail(new Error('response head too large'));
              return;
            }
            return;
          }
          this.#buf = buf.subarray(i + 4);
          if (!this.#head(buf.toString('latin1', 0, i))) return;
          continue;
        }
        case 'fixed':
        case 'chunk': {
          if (buf.length === 0) return;
          const take = Math.min(this.#remaining, buf.length);
          this.#sink.data(buf.subarray(0, take));
          this.#remaining -= take;
          this.#buf = buf.subarray(take);
          if (this.#remaining === 0) {
            if (this.#state === 'fixed') {
              this.#finish();
              return;
            }
            this.#state = 'crlf';
          }
          continue;
        }
        case 'crlf':
          if (buf.length < 2) return;
          this.#buf = buf.subarray(2);
          this.#state = 'size';
          continue;
        case 'size': {
          const i = buf.indexOf('\r\n');
          if (i < 0) return;
          const size = Number.parseInt(buf.toString('latin1', 0, i).split(';')[0] ?? '', 16);
          if (!Number.isFinite(size) || size < 0) {
            this.#fail(new Error('bad chunk size'));
            return;
          }
          this.#buf = buf.subarray(i + 2);
          if (size === 0) this.#state = 'trailer';
          else {
            this.#remaining = size;
            this.#state = 'chunk';
          }
          continue;
        }
        case 'trailer': {
          const i = buf.indexOf('\r\n');
          if (i < 0) return;
          this.#buf = buf.subarray(i + 2);
          if (i === 0) {
            this.#finish();
            return;
          }
          continue;
        }
        case 'close':
          if (buf.length > 0) this.#sink.data(buf);
          this.#buf = EMPTY;
          return;
        case 'done':
          return;
      }
    }
  }

  /** The socket closed: the end of a body that runs to close, an error otherwise. */
  closed(): void {
    if (this.#state === 'close') {
      this.#finish();
      return;
    }
    if (this.#state !== 'done') this.#fail(new Error('the connection closed before the answer was complete'));
  }

  #head(text: string): boolean {
    const lines = text.split('\r\n');
    const status = Number((lines[0] ?? '').split(' ')[1]);
    if (!Number.isInteger(status)) {
      this.#fail(new Error(`bad status line: ${(lines[0] ?? '').slice(0, 60)}`));
      return false;
    }
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const prior = headers.get(name);
      headers.set(name, prior === undefined ? value : `${prior}, ${value}`);
    }
    this.keepAlive = (headers.get('connection') ?? '').toLowerCase() !== 'close';
    this.#sink.head({ status, headers });
    const length = headers.get('content-length');
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) this.#finish();
    else if ((headers.get('transfer-encoding') ?? '').toLowerCase().includes('chunked')) this.#state = 'size';
    else if (length !== undefined) {
      this.#remaining = Number(length);
      if (this.#remaining === 0) this.#finish();
      else this.#state = 'fixed';
    } else {
      this.#state = 'close';
      this.keepAlive = false;
    }
    return this.#state !== 'done';
  }

  #finish(): void {
    this.#state = 'done';
    this.#buf = EMPTY;
    this.#sink.end();
  }

  #fail(err: Error): void {
    this.#state = 'done';
    this.#buf = EMPTY;
    this.keepAlive = false;
    this.#sink.error(err);
  }
}

/** Where a connection comes from. */
export interface ConnectionOptions {
  /** Source address to bind (loopback has ~28 000 ephemeral ports per address). */
  localAddress?: string;
  /** Called for each request put on the wire, a retry included: the client's own count. */
  onRequest(): void;
}

const reasonOf = (signal: AbortSignal) => (signal.reason instanceof Error ? signal.reason : new Error('aborted'));

/** One client's keep-alive connection. */
export class ClientConnection {
  readonly #opts: ConnectionOptions;
  #socket: net.Socket | undefined;

  constructor(opts: ConnectionOptions) {
    this.#opts = opts;
  }

  /**
   * Sends `req` and streams the answer into `sink`. A request on a kept-alive socket that
   * the server closed at that moment (its keep-alive timeout) is sent again once on a new
   * socket, as browsers do for idempotent requests. Aborting closes the socket.
   */
  send(req: RawRequest, sink: RawSink, signal?: AbortSignal): void {
    if (signal?.aborted) {
      sink.error(reasonOf(signal));
      return;
    }
    const text = this.#requestText(req);
    const attempt = (mayRetry: boolean) => {
      this.#opts.onRequest();
      const reused = this.#socket !== undefined && !this.#socket.destroyed;
      const socket = reused && this.#socket ? this.#socket : this.#open(req.url);
      let received = false;
      let over = false;
      let failure = '';
      const cleanup = () => {
        over = true;
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.off('error', onError);
        signal?.removeEventListener('abort', onAbort);
      };
      const parser = new ResponseParser({
        head: (h) => sink.head(h),
        data: (c) => sink.data(c),
        end: () => {
          cleanup();
          if (!parser.keepAlive) this.#drop(socket);
          sink.end();
        },
        error: (e) => {
          cleanup();
          this.#drop(socket);
          sink.error(e);
        },
      });
      const onData = (chunk: Buffer) => {
        received = true;
        parser.push(chunk);
      };
      const onClose = () => {
        if (over) return;
        if (!received && reused && mayRetry) {
          cleanup();
          return attempt(false);
        }
        if (!received) {
          cleanup();
          this.#drop(socket);
          return sink.error(new Error(failure || 'the connection closed before any answer'));
        }
        parser.closed();
      };
      const onError = (e: Error) => {
        failure = e.message;
      };
      const onAbort = () => {
        if (over) return;
        cleanup();
        this.#drop(socket);
        sink.error(signal ? reasonOf(signal) : new Error('aborted'));
      };
      socket.on('data', onData);
      socket.on('close', onClose);
      socket.on('error', onError);
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.write(text);
    };
    attempt(true);
  }

  /** Closes the connection. */
  close(): void {
    if (this.#socket) this.#drop(this.#socket);
  }

  #requestText(req: RawRequest): string {
    const u = req.url;
    const lines = [`${req.method} ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, 'Connection: keep-alive'];
    for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`${k}: ${v}`);
    if (req.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(req.body)}`);
    return `${lines.join('\r\n')}\r\n\r\n${req.body ?? ''}`;
  }

  #open(url: URL): net.Socket {
    const socket = net.connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 80),
      ...(this.#opts.localAddress ? { localAddress: this.#opts.localAddress } : {}),
      noDelay: true,
    });
    socket.on('error', () => {
      // Reported through 'close' to the request in flight, if any.
    });
    socket.once('close', () => {
      if (this.#socket === socket) this.#socket = undefined;
    });
    this.#socket = socket;
    return socket;
  }

  #drop(socket: net.Socket): void {
    if (this.#socket === socket) this.#socket = undefined;
    socket.destroy();
  }
}
