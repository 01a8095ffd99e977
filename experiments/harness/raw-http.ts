/**
 * A lean HTTP/1.1 client connection: one keep-alive socket per simulated client, one request at
 * a time, as a browser tab holds a connection to its origin. It exists because the load core
 * must stay cheap: with Node's http client (ClientRequest, Agent, IncomingMessage streams) a
 * long-poll cycle cost the client core ~0.3 ms, so 1000 clients released at once measured the
 * client's own queue instead of the server. A browser does this work in its network process,
 * off the page's thread; this is the closest a single load core gets.
 *
 * Answers are framed by the server meter's HTTP/1.1 framer (server/metering/http-framer.ts):
 * Content-Length, chunked and read-to-close bodies, no body for HEAD, 204 and 304, interim 1xx
 * answers skipped. Not done here: pipelining, trailers' contents, redirects.
 */
import net from 'node:net';
import { HeadMemo } from '../../server/metering/head-memo.ts';
import { type ParsedResponse, ResponseFramer, type ResponseItem } from '../../server/metering/http-framer.ts';
import { headLines } from '../../server/metering/http-head.ts';

/** What a request is. */
export interface RawRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
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

/** Largest response head accepted (Node's own default limit). */
const MAX_HEAD = 16 * 1024;
/** Parsed heads shared by every reader in the process: all are built with the same options. */
const HEAD_MEMO = new HeadMemo<ParsedResponse>();

/** The fields of a complete head: names lower-cased, repeated fields joined with `, `. */
function headersOf(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of (headLines(head) ?? []).slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prior = headers.get(name);
    headers.set(name, prior === undefined ? value : `${prior}, ${value}`);
  }
  return headers;
}

/**
 * Reads one answer off a socket with the server meter's own HTTP/1.1 framer, so that the
 * load clients and the byte meter agree on where a head, a chunk or a message ends (and the
 * harness carries no second parser to keep right). The framer says where things are; this
 * class hands the final answer's head and body bytes to a sink, in that order, then ends it.
 * Interim (1xx) answers are skipped; anything after the answer is ignored.
 */
export class ResponseReader extends ResponseFramer<undefined> {
  /** Whether the socket may carry the next request once this answer has ended. */
  keepAlive = true;
  readonly #sink: RawSink;
  /** The sink has heard `end` or `error`: nothing more reaches it. */
  #over = false;
  /** The final answer ended (within the current push). */
  #ended = false;
  /** The final answer's body runs to the close of the connection. */
  #untilClose = false;
  #headHeard = false;
  /** Within one push: start events so far, the final answer's (its index in `heads`), its status, its body. */
  #starts = 0;
  #final = -1;
  #status = 0;
  #body: Buffer[] = [];

  /** `method` is the request's: the answer to HEAD has no body whatever its head says. */
  constructor(sink: RawSink, method = 'GET') {
    super({ maxHeadSize: MAX_HEAD, memo: HEAD_MEMO });
    this.#sink = sink;
    this.expect(method, undefined);
  }

  /** Feeds the next bytes from the socket; the sink hears what they complete. */
  override push(chunk: Buffer): ResponseItem<undefined>[] {
    if (this.#over) return [];
    this.#starts = 0;
    this.#final = -1;
    const items = super.push(chunk);
    if (this.#final >= 0) {
      const headers = headersOf(this.heads[this.#final] ?? '');
      if ((headers.get('connection') ?? '').toLowerCase() === 'close') this.keepAlive = false;
      this.#headHeard = true;
      this.#sink.head({ status: this.#status, headers });
    }
    const body = this.#body;
    this.#body = [];
    for (const b of body) this.#sink.data(b);
    if (this.#ended) this.#finish();
    else if (this.failed) this.#fail(new Error('malformed HTTP/1.1 answer'));
    return items;
  }

  /** The socket closed: the end of a body that runs to the close, an error otherwise. */
  closed(): void {
    if (this.#over) return;
    if (this.#untilClose && this.#headHeard) this.#finish();
    else this.#fail(new Error('the connection closed before the answer was complete'));
  }

  protected override startMessage(head: ParsedResponse): number {
    const plan = super.startMessage(head);
    const index = this.#starts++;
    const interim = head.status >= 100 && head.status < 200 && head.status !== 101;
    if (this.#ended || this.#finalStarted || interim) return plan;
    this.#final = index;
    this.#status = head.status;
    // A negative plan is a body without a length: chunked, or else it runs to the close.
    this.#untilClose = plan < 0 && head.chunked !== true;
    if (this.#untilClose || head.status === 101) this.keepAlive = false;
    return plan;
  }

  protected override body(chunk: Buffer, start: number, end: number): void {
    if (this.#ended || !this.#finalStarted) return;
    this.#body.push(chunk.subarray(start, end));
  }

  protected override onMessageEnd(): boolean {
    if (this.#finalStarted) this.#ended = true;
    return super.onMessageEnd();
  }

  /** The final answer's head has been read (in this push or an earlier one). */
  get #finalStarted(): boolean {
    return this.#final >= 0 || this.#headHeard;
  }

  #finish(): void {
    this.#over = true;
    this.#sink.end();
  }

  #fail(err: Error): void {
    this.#over = true;
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
      const parser = new ResponseReader(
        {
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
        },
        req.method,
      );
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

  /** The request's bytes: head, then the body as given (text as UTF-8, bytes as they are). */
  #requestText(req: RawRequest): Buffer {
    const u = req.url;
    const lines = [`${req.method} ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, 'Connection: keep-alive'];
    for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`${k}: ${v}`);
    if (req.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(req.body)}`);
    const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    if (req.body === undefined) return head;
    return Buffer.concat([head, typeof req.body === 'string' ? Buffer.from(req.body) : req.body]);
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
