import type { ByteSplit } from '../../protocol/wire.ts';
import { tagOf } from '../inspect/wire-log.ts';
import { EioSplitter } from './eio-splitter.ts';
import { HeadMemo } from './head-memo.ts';
import { hasToken, headLines, isChunked, parseFields, REQUEST_LINE, STATUS_LINE, targetPath } from './http-head.ts';
import {
  BODY_CHUNKED,
  BODY_UNTIL_CLOSE,
  DEFAULT_MAX_HEAD_SIZE,
  Http1Framer,
  type Segment,
  type Switched,
} from './http1-framer.ts';
import { SseFramer } from './sse-framer.ts';

/**
 * Incremental HTTP/1.1 framers for the socket meter: they split one direction of a connection
 * into head/framing bytes and body bytes, and report where messages start, so the meter can
 * attribute every byte to the request it belongs to. The framing itself is http1-framer.ts;
 * these parse request and response heads and say what starts where.
 */

/**
 * A request head was completed; its bytes follow as a header segment. Tells the meter which
 * bucket this request, and later its response, belongs to.
 */
export interface RequestStart {
  event: 'request';
  method: string;
  /** The request target without query string (and without scheme and host, for absolute-form). */
  path: string;
  /** `Connection: upgrade` with an `Upgrade` header, or CONNECT: the protocol may change after it. */
  isUpgrade: boolean;
  /** The `inspect=<tag>` of the target, when the wire inspector should capture this request. */
  inspect: string | undefined;
}

/**
 * A response head was completed; its bytes follow as a header segment. Tells the meter which
 * request is being answered (by `tag`), so the response's bytes go to the same bucket.
 */
export interface ResponseStart<T> {
  event: 'response';
  status: number;
  /** `Content-Type: text/event-stream`: the body is split by SSE field syntax. */
  isEventStream: boolean;
  /** The tag given to `expect()` for the request this answers; undefined when none was expected. */
  tag: T | undefined;
}

/** What `RequestFramer.push` reports, in stream order. */
export type RequestItem = Segment | RequestStart | Switched;
/** What `ResponseFramer.push` reports, in stream order. */
export type ResponseItem<T> = Segment | ResponseStart<T> | Switched;

/** What a request head says, as far as the meter cares: memoized by the head's text. */
export interface ParsedRequest {
  readonly method: string;
  readonly path: string;
  readonly isUpgrade: boolean;
  readonly inspect: string | undefined;
  /** Body plan: a Content-Length, or `BODY_CHUNKED`. */
  readonly plan: number;
}

/** What a response head says, before its request is known: memoized by the head's text. */
export interface ParsedResponse {
  readonly status: number;
  readonly contentLength: number | undefined;
  /** Transfer-Encoding absent (undefined), or whether its last coding is chunked. */
  readonly chunked: boolean | undefined;
  readonly isEventStream: boolean;
}

/** Options of a `RequestFramer`. */
export interface RequestFramerOptions {
  /** Cap on a head; past it the rest of the stream is counted as header. */
  maxHeadSize?: number;
  /**
   * Whether an upgrade request (see `RequestStart.isUpgrade`) ends HTTP on the connection,
   * asked when its head completes. Node's server: always for CONNECT, and for other upgrades
   * only when it has an 'upgrade' listener; otherwise the request is an ordinary one.
   */
  upgradeTakesOver?: (method: string) => boolean;
  /** Methods the server's parser knows (Node: `http.METHODS`); others are malformed. Default: any token. */
  methods?: ReadonlySet<string>;
  /** Parsed heads shared with framers of the same options (default: one of its own). */
  memo?: HeadMemo<ParsedRequest>;
  /** Whether bodies sent to `path` are engine.io packets (socket.io polling), split by EioSplitter. */
  engineIo?: (path: string) => boolean;
}

/**
 * Frames the client-to-server direction of an HTTP/1.1 connection: request heads and chunk
 * framing are header, bodies are payload. Exists so the meter knows which request every
 * byte belongs to, including pipelined requests and bytes split anywhere.
 */
export class RequestFramer extends Http1Framer<RequestStart, ParsedRequest> {
  readonly #takesOver: (method: string) => boolean;
  readonly #methods: ReadonlySet<string> | undefined;
  readonly #engineIo: ((path: string) => boolean) | undefined;
  readonly #packets = new EioSplitter();
  /** Whether the current body is engine.io packets. */
  #split = false;
  readonly #into: ByteSplit = { header: 0, payload: 0 };
  #upgrading = false;

  constructor(options: RequestFramerOptions = {}) {
    super(options.maxHeadSize ?? DEFAULT_MAX_HEAD_SIZE, options.memo ?? new HeadMemo());
    this.#takesOver = options.upgradeTakesOver ?? (() => true);
    this.#methods = options.methods;
    this.#engineIo = options.engineIo;
  }

  override finish(): number {
    return super.finish() + (this.#split ? this.#packets.flush() : 0);
  }

  protected override body(chunk: Buffer, start: number, end: number): void {
    if (this.#split) splitInto(this.#packets, chunk, start, end, this.#into, this);
    else this.payload(end - start);
  }

  /** Feeds the next bytes received; see `RequestItem`. */
  push(chunk: Buffer): RequestItem[] {
    return this.feed(chunk);
  }

  protected override parseHead(text: string): ParsedRequest | null {
    const lines = headLines(text);
    const match = lines && REQUEST_LINE.exec(lines[0] ?? '');
    const fields = lines && match ? parseFields(lines) : null;
    if (!match || !fields) return null;
    const method = match[1] ?? '';
    if (this.#methods && !this.#methods.has(method)) return null;
    let plan = 0;
    if (fields.transferEncoding !== undefined) {
      // Node refuses both together, and any final coding but chunked in a request.
      if (fields.contentLength !== undefined || !isChunked(fields.transferEncoding)) return null;
      plan = BODY_CHUNKED;
    } else if (fields.contentLength !== undefined) plan = fields.contentLength;
    const isUpgrade = method === 'CONNECT' || (fields.upgrade && hasToken(fields.connection, 'upgrade'));
    const target = match[2] ?? '/';
    return { method, path: targetPath(target), isUpgrade, inspect: tagOf(target), plan };
  }

  protected override startMessage(head: ParsedRequest): number {
    this.#upgrading = head.isUpgrade && this.#takesOver(head.method);
    this.#split = head.plan !== 0 && this.#engineIo?.(head.path) === true;
    if (this.#split) this.#packets.begin(head.plan > 0 ? head.plan : Number.POSITIVE_INFINITY);
    this.emit({
      event: 'request',
      method: head.method,
      path: head.path,
      isUpgrade: head.isUpgrade,
      inspect: head.inspect,
    });
    return head.plan;
  }

  protected override onMessageEnd(): boolean {
    if (this.#split) this.header(this.#packets.flush());
    return this.#upgrading;
  }

  /** Counts split parts; for `splitInto`. */
  count(split: ByteSplit): void {
    this.header(split.header);
    this.payload(split.payload);
  }
}

/** Splits a body piece by engine.io packet framing and hands the parts to the framer. */
function splitInto(
  packets: EioSplitter,
  chunk: Buffer,
  start: number,
  end: number,
  into: ByteSplit,
  framer: { count(split: ByteSplit): void },
): void {
  into.header = 0;
  into.payload = 0;
  packets.push(chunk, start, end, into);
  framer.count(into);
}

/** Options of a `ResponseFramer`. */
export interface ResponseFramerOptions<T = unknown> {
  /** Cap on a head; past it the rest of the stream is counted as header. */
  maxHeadSize?: number;
  /** Parsed heads shared with framers of the same options (default: one of its own). */
  memo?: HeadMemo<ParsedResponse>;
  /** Whether the body answering the request tagged `tag` is engine.io packets (socket.io polling). */
  engineIo?: (tag: T | undefined) => boolean;
}

/**
 * Frames the server-to-client direction: response heads (1xx included) and chunk framing are
 * header, bodies are payload, and event-stream bodies are split further by SSE syntax. A
 * response's body length depends on its request (HEAD has none), so the caller announces each
 * request with `expect()`; responses are matched to them in order, and carry their tag.
 */
export class ResponseFramer<T> extends Http1Framer<ResponseStart<T>, ParsedResponse> {
  readonly #methods: string[] = [];
  readonly #tags: T[] = [];
  readonly #sse = new SseFramer();
  readonly #split: ByteSplit = { header: 0, payload: 0 };
  readonly #engineIo: ((tag: T | undefined) => boolean) | undefined;
  readonly #packets = new EioSplitter();
  #eventStream = false;
  /** Whether the current body is engine.io packets. */
  #eio = false;
  #switching = false;

  constructor(options: ResponseFramerOptions<T> = {}) {
    super(options.maxHeadSize ?? DEFAULT_MAX_HEAD_SIZE, options.memo ?? new HeadMemo());
    this.#engineIo = options.engineIo;
  }

  override finish(): number {
    return super.finish() + (this.#eio ? this.#packets.flush() : 0);
  }

  /** Counts split parts; for `splitInto`. */
  count(split: ByteSplit): void {
    this.header(split.header);
    this.payload(split.payload);
  }

  /** Announces a request whose response is still to come, in request order. */
  expect(method: string, tag: T): void {
    this.#methods.push(method);
    this.#tags.push(tag);
  }

  /** Requests announced and not answered yet. */
  get queued(): number {
    return this.#methods.length;
  }

  /** Feeds the next bytes sent; see `ResponseItem`. */
  push(chunk: Buffer): ResponseItem<T>[] {
    return this.feed(chunk);
  }

  protected override parseHead(text: string): ParsedResponse | null {
    const lines = headLines(text);
    const match = lines && STATUS_LINE.exec(lines[0] ?? '');
    const fields = lines && match ? parseFields(lines) : null;
    if (!match || !fields) return null;
    const te = fields.transferEncoding;
    return {
      status: Number(match[1]),
      contentLength: fields.contentLength,
      chunked: te === undefined ? undefined : isChunked(te),
      isEventStream: (fields.contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() === 'text/event-stream',
    };
  }

  protected override startMessage(head: ParsedResponse): number {
    const { status, isEventStream } = head;
    const interim = status >= 100 && status < 200 && status !== 101;
    const method = interim ? this.#methods[0] : this.#methods.shift();
    const tag = interim ? this.#tags[0] : this.#tags.shift();
    let plan: number;
    if (method === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) plan = 0;
    else if (head.chunked !== undefined) plan = head.chunked ? BODY_CHUNKED : BODY_UNTIL_CLOSE;
    else plan = head.contentLength ?? BODY_UNTIL_CLOSE;
    this.#eventStream = isEventStream && plan !== 0;
    if (this.#eventStream) this.#sse.reset();
    this.#eio = plan !== 0 && !this.#eventStream && this.#engineIo?.(tag) === true;
    if (this.#eio) this.#packets.begin(plan > 0 ? plan : Number.POSITIVE_INFINITY);
    this.#switching = status === 101;
    this.emit({ event: 'response', status, isEventStream, tag });
    return plan;
  }

  protected override body(chunk: Buffer, start: number, end: number): void {
    if (this.#eio) {
      splitInto(this.#packets, chunk, start, end, this.#split, this);
      return;
    }
    if (!this.#eventStream) {
      this.payload(end - start);
      return;
    }
    const split = this.#split;
    split.header = 0;
    split.payload = 0;
    this.#sse.push(chunk.subarray(start, end), split);
    this.header(split.header);
    this.payload(split.payload);
  }

  protected override onMessageEnd(): boolean {
    if (this.#eio) this.header(this.#packets.flush());
    return this.#switching;
  }
}
