import type { ByteSplit } from '../../protocol/wire.ts';
import { tagOf } from '../inspect/wire-log.ts';
import { HeadMemo } from './head-memo.ts';
import {
  hasToken,
  headLines,
  isChunked,
  parseFields,
  REQUEST_LINE,
  STATUS_LINE,
  targetPath,
  withoutLeadingEmptyLines,
} from './http-head.ts';
import { SseFramer } from './sse-framer.ts';

/**
 * Incremental HTTP/1.1 framers (RFC 9112) for the socket meter: they split one direction of a
 * connection into head/framing bytes and body bytes, and report where messages start, so the
 * meter can attribute every byte to the request it belongs to. Pure: no I/O, never throws;
 * what they cannot parse they count as header and stop parsing, so every byte fed in comes
 * out exactly once (heads only when complete, see `finish()`).
 */

/** Which side of the split a run of bytes belongs to: the two halves of a `ByteSplit`. */
export type Part = 'header' | 'payload';

/** A run of consecutive bytes that are all header or all payload: what the meter adds to a bucket. */
export interface Segment {
  part: Part;
  bytes: number;
}

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

/**
 * HTTP ends here: the last `rest` bytes of the chunk (and everything after) belong to the
 * new protocol (a WebSocket after 101). The framer consumes nothing more.
 */
export interface Switched {
  event: 'switch';
  rest: number;
}

/** What `RequestFramer.push` reports, in stream order. */
export type RequestItem = Segment | RequestStart | Switched;
/** What `ResponseFramer.push` reports, in stream order. */
export type ResponseItem<T> = Segment | ResponseStart<T> | Switched;

/**
 * Default cap on a head (and on trailers), so a peer that never ends its head cannot make the
 * meter buffer without bound: past it the stream is counted as header, unparsed.
 */
export const DEFAULT_MAX_HEAD_SIZE = 64 * 1024;
/** Cap on a chunk-size line including extensions (Node refuses extensions past 16 KiB). */
const MAX_CHUNK_LINE = 16 * 1024;

const LF = 0x0a;
const CR = 0x0d;
/** The empty line that ends a head whose first line is not empty. */
const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');

// Framer states.
const HEAD = 0;
const FIXED = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_DATA_END = 4;
const TRAILERS = 5;
const UNTIL_CLOSE = 6;
/** Unparseable: everything is header from here on. */
const OPAQUE = 7;
/** A protocol switch was decided; reported at the current position. */
const SWITCHING = 8;
/** After the switch: the caller should feed another framer; anything still fed is header. */
const SWITCHED = 9;

/** `Http1Framer.heads` after a push that completed no head (shared; never written to). */
const NO_HEADS: string[] = [];

/** What the line scanner returns for a line ending in LF alone. */
const BARE_LF = -2;

// Body plans returned by head parsers; a number >= 0 is a Content-Length.
const BODY_CHUNKED = -1;
const BODY_UNTIL_CLOSE = -2;

const hexValue = (b: number): number => {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
};

/**
 * The message framing both directions share: heads found line by line, Content-Length and
 * chunked bodies, read-until-close, trailers, caps. Subclasses parse heads and emit events.
 */
abstract class Http1Framer<E extends { event: string }, P> {
  protected readonly maxHeadSize: number;
  readonly #memo: HeadMemo<P>;
  #state = HEAD;
  #out: (Segment | E | Switched)[] = [];
  /** Texts of the heads completed by the latest `feed`, in the order of their start events. */
  #heads: string[] = NO_HEADS;
  /** Bytes of the head being assembled, not yet reported. */
  #headLen = 0;
  /** Copies of the parts of a head split across chunks (at most `maxHeadSize` bytes in all). */
  #parts: Buffer[] = [];
  /** Line scanner: bytes of the current line so far, its last byte, whether a non-empty line was seen. */
  #lineLen = 0;
  #lastByte = -1;
  #sawLine = false;
  /** Body bytes left in a Content-Length body or in the current chunk. */
  #remaining = 0;
  /** Chunk-size line: value, digits, in extensions, CR seen, length so far. */
  #size = 0;
  #sizeDigits = 0;
  #sizeExt = false;
  #sizeCr = false;
  #sizeLineLen = 0;
  /** CR seen after chunk data. */
  #dataCr = false;
  /** Bytes of trailers so far. */
  #trailerLen = 0;

  constructor(maxHeadSize: number, memo: HeadMemo<P>) {
    this.maxHeadSize = maxHeadSize;
    this.#memo = memo;
  }

  /**
   * Parses the text of a complete head (latin1, leading empty lines included), purely: the
   * result depends on the text and the framer's options only, so it can be memoized. Null
   * when the head is unparseable.
   */
  protected abstract parseHead(text: string): P | null;
  /**
   * A parsed head starts a message: emits the start event and returns the body plan (a
   * length, `BODY_CHUNKED` or `BODY_UNTIL_CLOSE`). Everything stateful happens here.
   */
  protected abstract startMessage(head: P): number;
  /** A message ended; returns true when the connection switches protocol here. */
  protected abstract onMessageEnd(): boolean;

  /** Counts body bytes `chunk[start, end)`; plain payload unless a subclass splits further. */
  protected body(_chunk: Buffer, start: number, end: number): void {
    this.payload(end - start);
  }

  protected emit(event: E): void {
    this.#out.push(event);
  }

  protected header(n: number): void {
    if (n > 0) this.#add('header', n);
  }

  protected payload(n: number): void {
    if (n > 0) this.#add('payload', n);
  }

  #add(part: Part, n: number): void {
    const last = this.#out[this.#out.length - 1];
    if (last !== undefined && 'part' in last && last.part === part) last.bytes += n;
    else this.#out.push({ part, bytes: n });
  }

  /**
   * The texts (latin1, leading empty lines dropped) of the heads completed by the latest
   * push, one per start event, in order: exactly the bytes counted for them, for the inspector.
   */
  get heads(): readonly string[] {
    return this.#heads;
  }

  /** Bytes consumed but not reported yet: a head still incomplete. */
  get pending(): number {
    return this.#headLen;
  }

  /** True once the framer has given up on the stream (garbage, oversized head). */
  get failed(): boolean {
    return this.#state === OPAQUE;
  }

  /**
   * Ends the stream: returns the bytes of an unfinished head, which were never reported, so
   * the caller counts them as header. The framer counts anything fed afterwards as header.
   */
  finish(): number {
    const n = this.#headLen;
    this.#headLen = 0;
    this.#parts = [];
    if (this.#state !== SWITCHED) this.#state = OPAQUE;
    return n;
  }

  /**
   * Feeds the next bytes of the stream. Returns header/payload segments and events in stream
   * order; the bytes of each head come right after its start event.
   */
  protected feed(chunk: Buffer): (Segment | E | Switched)[] {
    const out: (Segment | E | Switched)[] = [];
    this.#out = out;
    this.#heads = NO_HEADS;
    const end = chunk.length;
    let pos = 0;
    while (pos < end && this.#state !== SWITCHING) {
      switch (this.#state) {
        case HEAD:
          pos = this.#head(chunk, pos);
          break;
        case FIXED:
        case CHUNK_DATA: {
          const take = Math.min(this.#remaining, end - pos);
          this.body(chunk, pos, pos + take);
          this.#remaining -= take;
          pos += take;
          if (this.#remaining === 0) {
            if (this.#state === FIXED) this.#messageEnd();
            else this.#state = CHUNK_DATA_END;
          }
          break;
        }
        case CHUNK_SIZE:
          pos = this.#chunkSize(chunk, pos);
          break;
        case CHUNK_DATA_END:
          pos = this.#chunkDataEnd(chunk, pos);
          break;
        case TRAILERS:
          pos = this.#trailers(chunk, pos);
          break;
        case UNTIL_CLOSE:
          this.body(chunk, pos, end);
          pos = end;
          break;
        default: // OPAQUE, SWITCHED
          this.header(end - pos);
          pos = end;
      }
    }
    if (this.#state === SWITCHING) {
      this.#state = SWITCHED;
      out.push({ event: 'switch', rest: end - pos });
    }
    this.#out = [];
    return out;
  }

  /**
   * Finds the empty line ending a head or trailers; returns the index after it, -1 when not in
   * this chunk, or `BARE_LF` for a line ending without CR (Node answers those with 400).
   */
  #scanToEmptyLine(chunk: Buffer, pos: number, skipLeading: boolean): number {
    let i = pos;
    for (;;) {
      const lf = chunk.indexOf(LF, i);
      if (lf === -1) {
        if (chunk.length > i) {
          this.#lineLen += chunk.length - i;
          this.#lastByte = chunk[chunk.length - 1] ?? -1;
        }
        return -1;
      }
      const len = this.#lineLen + (lf - i);
      const prev = lf > i ? chunk[lf - 1] : this.#lastByte;
      if (len === 0 || prev !== CR) return BARE_LF;
      this.#lineLen = 0;
      i = lf + 1;
      if (len === 1) {
        if (!skipLeading || this.#sawLine) return i;
      } else {
        this.#sawLine = true;
      }
    }
  }

  #startScan(): void {
    this.#lineLen = 0;
    this.#lastByte = -1;
    this.#sawLine = false;
  }

  #head(chunk: Buffer, pos: number): number {
    const end = chunk.length;
    // Fast path: a whole head in this chunk whose exact text was parsed before. Scanning it
    // line by line again would stop at the same empty line (the scan depends on the bytes
    // alone), so the memoized result is what the slow path below would find.
    let known: string | undefined;
    if (this.#headLen === 0 && chunk[pos] !== CR && chunk[pos] !== LF) {
      const crlf2 = chunk.indexOf(CRLF2, pos);
      if (crlf2 !== -1 && crlf2 + 4 - pos <= this.maxHeadSize) {
        known = chunk.toString('latin1', pos, crlf2 + 4);
        const parsed = this.#memo.get(known);
        if (parsed !== undefined) {
          this.#headLen = known.length;
          return this.#start(known, parsed, crlf2 + 4);
        }
      }
    }
    if (this.#headLen === 0) this.#startScan();
    const stop = this.#scanToEmptyLine(chunk, pos, true);
    if (stop === BARE_LF) return this.#fail(chunk, pos);
    const upto = stop === -1 ? end : stop;
    if (this.#headLen + (upto - pos) > this.maxHeadSize) return this.#fail(chunk, pos);
    const whole = this.#headLen === 0;
    this.#headLen += upto - pos;
    if (stop === -1) {
      this.#parts.push(Buffer.from(chunk.subarray(pos, end)));
      return end;
    }
    let text: string;
    if (whole) text = known !== undefined && known.length === stop - pos ? known : chunk.toString('latin1', pos, stop);
    else text = Buffer.concat([...this.#parts, chunk.subarray(pos, stop)]).toString('latin1');
    this.#parts = [];
    const parsed = this.parseHead(text);
    if (parsed === null) return this.#fail(chunk, stop);
    this.#memo.set(text, parsed);
    return this.#start(text, parsed, stop);
  }

  /** A complete head of `#headLen` bytes ending at `stop`: its event, its bytes, then its body. */
  #start(text: string, parsed: P, stop: number): number {
    if (this.#heads === NO_HEADS) this.#heads = [];
    this.#heads.push(withoutLeadingEmptyLines(text));
    const plan = this.startMessage(parsed);
    this.header(this.#headLen);
    this.#headLen = 0;
    if (plan === BODY_CHUNKED) this.#startChunk();
    else if (plan === BODY_UNTIL_CLOSE) this.#state = UNTIL_CLOSE;
    else if (plan > 0) {
      this.#state = FIXED;
      this.#remaining = plan;
    } else this.#messageEnd();
    return stop;
  }

  #startChunk(): void {
    this.#state = CHUNK_SIZE;
    this.#size = 0;
    this.#sizeDigits = 0;
    this.#sizeExt = false;
    this.#sizeCr = false;
    this.#sizeLineLen = 0;
  }

  #chunkSize(chunk: Buffer, pos: number): number {
    const end = chunk.length;
    let i = pos;
    while (i < end) {
      const b = chunk[i++] ?? 0;
      if (b === LF) {
        if (!this.#sizeCr) return this.#fail(chunk, pos);
        this.header(i - pos);
        if (this.#sizeDigits === 0) return this.#fail(chunk, i);
        if (this.#size === 0) {
          this.#state = TRAILERS;
          this.#trailerLen = 0;
          this.#startScan();
        } else {
          this.#state = CHUNK_DATA;
          this.#remaining = this.#size;
        }
        return i;
      }
      if (this.#sizeCr || ++this.#sizeLineLen > MAX_CHUNK_LINE) return this.#fail(chunk, pos);
      if (b === CR) this.#sizeCr = true;
      else if (!this.#sizeExt) {
        const d = hexValue(b);
        if (d >= 0) {
          this.#size = this.#size * 16 + d;
          this.#sizeDigits++;
          if (!Number.isSafeInteger(this.#size)) return this.#fail(chunk, pos);
        } else if (b === 0x3b) this.#sizeExt = true;
        else return this.#fail(chunk, pos);
      }
    }
    this.header(end - pos);
    return end;
  }

  #chunkDataEnd(chunk: Buffer, pos: number): number {
    const b = chunk[pos];
    if (b === CR && !this.#dataCr) {
      this.#dataCr = true;
      this.header(1);
      return pos + 1;
    }
    if (b === LF && this.#dataCr) {
      this.#dataCr = false;
      this.header(1);
      this.#startChunk();
      return pos + 1;
    }
    return this.#fail(chunk, pos);
  }

  #trailers(chunk: Buffer, pos: number): number {
    const stop = this.#scanToEmptyLine(chunk, pos, false);
    if (stop === BARE_LF) return this.#fail(chunk, pos);
    const upto = stop === -1 ? chunk.length : stop;
    if (this.#trailerLen + (upto - pos) > this.maxHeadSize) return this.#fail(chunk, pos);
    this.#trailerLen += upto - pos;
    this.header(upto - pos);
    if (stop !== -1) this.#messageEnd();
    return upto;
  }

  #messageEnd(): void {
    this.#state = this.onMessageEnd() ? SWITCHING : HEAD;
  }

  /** Gives up: the unreported head and the rest of the chunk are header, and so is all that follows. */
  #fail(chunk: Buffer, pos: number): number {
    this.header(this.#headLen + chunk.length - pos);
    this.#headLen = 0;
    this.#parts = [];
    this.#state = OPAQUE;
    return chunk.length;
  }
}

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
}

/**
 * Frames the client-to-server direction of an HTTP/1.1 connection: request heads and chunk
 * framing are header, bodies are payload. Exists so the meter knows which request every
 * byte belongs to, including pipelined requests and bytes split anywhere.
 */
export class RequestFramer extends Http1Framer<RequestStart, ParsedRequest> {
  readonly #takesOver: (method: string) => boolean;
  readonly #methods: ReadonlySet<string> | undefined;
  #upgrading = false;

  constructor(options: RequestFramerOptions = {}) {
    super(options.maxHeadSize ?? DEFAULT_MAX_HEAD_SIZE, options.memo ?? new HeadMemo());
    this.#takesOver = options.upgradeTakesOver ?? (() => true);
    this.#methods = options.methods;
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
    return this.#upgrading;
  }
}

/** Options of a `ResponseFramer`. */
export interface ResponseFramerOptions {
  /** Cap on a head; past it the rest of the stream is counted as header. */
  maxHeadSize?: number;
  /** Parsed heads shared with framers of the same options (default: one of its own). */
  memo?: HeadMemo<ParsedResponse>;
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
  #eventStream = false;
  #switching = false;

  constructor(options: ResponseFramerOptions = {}) {
    super(options.maxHeadSize ?? DEFAULT_MAX_HEAD_SIZE, options.memo ?? new HeadMemo());
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
    this.#switching = status === 101;
    this.emit({ event: 'response', status, isEventStream, tag });
    return plan;
  }

  protected override body(chunk: Buffer, start: number, end: number): void {
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
    return this.#switching;
  }
}
