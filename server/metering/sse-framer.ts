import type { ByteSplit } from '../../protocol/wire.ts';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
/** The field name whose value is the payload of an event. */
const DATA = [0x64, 0x61, 0x74, 0x61];
/** UTF-8 byte order mark, which an event stream may start with (and parsers strip). */
const BOM = [0xef, 0xbb, 0xbf];

// Where the splitter is within a line.
/** At the very start of the stream, matching a byte order mark. */
const S_BOM = 0;
/** Matching the field name `data` (`#matched` bytes of it so far). */
const S_NAME = 1;
/** After `data:`, where one optional space may follow. */
const S_SPACE = 2;
/** Inside the value of a `data` field: payload up to the line terminator. */
const S_VALUE = 3;
/** Inside any other line (other field, comment, or an unknown name): header up to the terminator. */
const S_OTHER = 4;

/**
 * Splits the text of a `text/event-stream` body (already de-chunked) into payload, the values
 * of `data` fields, and header, everything else: field names, colons, the one optional space,
 * `id`/`event`/`retry` lines, comments and every line terminator (LF, CRLF or CR). Exists so
 * SSE is measured like the other transports, where "payload" is what the application sent.
 *
 * Incremental and buffer-free: a line, or a CRLF, may be split across chunks anywhere. A CRLF
 * split in two needs no special case, because the LF would otherwise be an empty line, which
 * is header all the same. It never throws.
 */
export class SseFramer {
  #state = S_BOM;
  /** Bytes of `data` (or of the BOM) matched so far in the current line. */
  #matched = 0;

  /** Back to the start of a stream, for the next event-stream response on a connection. */
  reset(): void {
    this.#state = S_BOM;
    this.#matched = 0;
  }

  /**
   * Counts `chunk` into `into` (header and payload added, never reset) and returns it. Pass
   * the counters to fill, or none to get a fresh split of this chunk alone.
   */
  push(chunk: Uint8Array, into: ByteSplit = { header: 0, payload: 0 }): ByteSplit {
    const end = chunk.length;
    let pos = 0;
    // Positions of the next LF and CR at or after `pos`, found lazily with indexOf and reused
    // while still ahead, so a chunk with many lines is scanned once per terminator byte kind.
    let nextLf = -2;
    let nextCr = -2;
    while (pos < end) {
      const state = this.#state;
      if (state === S_VALUE || state === S_OTHER) {
        if (nextLf !== -1 && nextLf < pos) nextLf = chunk.indexOf(LF, pos);
        if (nextCr !== -1 && nextCr < pos) nextCr = chunk.indexOf(CR, pos);
        const eol = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
        const stop = eol === -1 ? end : eol;
        if (state === S_VALUE) into.payload += stop - pos;
        else into.header += stop - pos;
        if (eol === -1) return into;
        into.header++; // the terminator
        pos = eol + 1;
        this.#startLine();
        continue;
      }
      const byte = chunk[pos] ?? 0;
      if (state === S_BOM) {
        if (byte === BOM[this.#matched]) {
          into.header++;
          pos++;
          if (++this.#matched === BOM.length) this.#startLine();
        } else if (this.#matched === 0) {
          this.#state = S_NAME; // no BOM: look at this byte again as the start of a line
        } else {
          this.#state = S_OTHER; // a line that starts with part of a BOM is no `data` line
        }
        continue;
      }
      if (state === S_SPACE) {
        this.#state = S_VALUE;
        if (byte === SPACE) {
          into.header++;
          pos++;
        }
        continue;
      }
      // S_NAME
      if (byte === LF || byte === CR) {
        into.header++;
        pos++;
        this.#startLine();
      } else if (this.#matched < DATA.length && byte === DATA[this.#matched]) {
        into.header++;
        pos++;
        this.#matched++;
      } else if (this.#matched === DATA.length && byte === COLON) {
        into.header++;
        pos++;
        this.#state = S_SPACE;
      } else {
        this.#state = S_OTHER; // look at this byte again as part of a non-data line
      }
    }
    return into;
  }

  /** True at the start of a line past the byte order mark: a complete event may follow. */
  get atLineStart(): boolean {
    return this.#state === S_NAME && this.#matched === 0;
  }

  #startLine(): void {
    this.#state = S_NAME;
    this.#matched = 0;
  }
}
