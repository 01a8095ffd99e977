import type { HeadMemo } from './head-memo.ts';
import { withoutLeadingEmptyLines } from './http-head.ts';

/**
 * The message framing both directions of HTTP/1.1 share (RFC 9112), incrementally: heads found
 * line by line, Content-Length and chunked bodies, read-until-close, trailers, caps. Pure: no
 * I/O, never throws; what it cannot parse it counts as header and stops parsing, so every byte
 * fed in comes out exactly once (heads only when complete, see `finish()`). The request and
 * response framers (http-framer.ts) parse heads and emit their events on top of it.
 */

/** Which side of the split a run of bytes belongs to: the two halves of a `ByteSplit`. */
export type Part = 'header' | 'payload';

/** A run of consecutive bytes that are all header or all payload: what the meter adds to a bucket. */
export interface Segment {
  part: Part;
  bytes: number;
}

/** HTTP ends here: the chunk's last `rest` bytes and all after are the new protocol (WebSocket). */
export interface Switched {
  event: 'switch';
  rest: number;
}

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
export const BODY_CHUNKED = -1;
export const BODY_UNTIL_CLOSE = -2;

const hexValue = (b: number): number => {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
};

/**
 * The message framing both directions share: heads found line by line, Content-Length and
 * chunked bodies, read-until-close, trailers, caps. Subclasses parse heads and emit events.
 */
export abstract class Http1Framer<E extends { event: string }, P> {
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

  /**
   * True at the very start of a chunk of a chunked body, nothing of its size line seen: where
   * a whole chunk may be counted without being parsed (see `ResponseFramer.atEventBoundary`).
   */
  protected get atChunkStart(): boolean {
    return this.#state === CHUNK_SIZE && this.#sizeLineLen === 0 && !this.#sizeCr;
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
