import type { CapturedFrame } from '../../protocol/control.ts';
import { headerSizeOf, parseFrameHeader } from '../metering/frame-header.ts';

/**
 * WebSocket frames as the wire inspector keeps them. A fan-out writes the same frame to
 * thousands of sockets, and each write replaces the newest captured frame, so capturing
 * must cost next to nothing: a frame is recorded raw (header bytes, a reference to its first
 * payload bytes, the time) and decoded only when `GET /api/inspect` asks.
 */

/** Payload bytes shown next to a frame header. */
export const PREVIEW_BYTES = 80;
/** Frame headers kept per direction. */
export const FRAMES_KEPT = 10;

const NOTHING = new Uint8Array(0);

/** One frame as seen on the socket, undecoded. Never changed once complete. */
export interface FrameRecord {
  /** Server time its header was seen, ms since the Unix epoch. */
  at: number;
  /** The 2–14 header bytes, mask key included. */
  header: number[];
  /** The first payload bytes as sent (still masked if the frame is): `source[start, end)`. */
  source: Uint8Array;
  start: number;
  end: number;
}

/** The inspector's view of a record: the decoded header and the unmasked payload preview as text. */
export function decodeFrame(record: FrameRecord): CapturedFrame | undefined {
  const h = parseFrameHeader(record.header);
  if (!h) return undefined;
  const preview = Buffer.from(record.source.subarray(record.start, record.end));
  if (h.masked) {
    const key = h.bytes.slice(h.size - 4);
    for (let i = 0; i < preview.length; i++) preview[i] = (preview[i] ?? 0) ^ (key[i % 4] ?? 0);
  }
  return { ...h, at: record.at, preview: preview.toString('utf8') };
}

/** Where a `FrameFinder` hands its frames: a direction and a complete record. */
export interface FrameSink {
  recordFrame(direction: 'in' | 'out', record: FrameRecord): void;
}

/** The last `FRAMES_KEPT` records of one direction, oldest first when listed. */
export class FrameRing {
  #records: FrameRecord[] = [];
  #next = 0;

  add(record: FrameRecord): void {
    this.#records[this.#next] = record;
    this.#next = (this.#next + 1) % FRAMES_KEPT;
  }

  /** The kept frames, decoded, oldest first. */
  list(): CapturedFrame[] {
    const n = this.#records.length;
    const ordered =
      n < FRAMES_KEPT ? this.#records : [...this.#records.slice(this.#next), ...this.#records.slice(0, this.#next)];
    const out: CapturedFrame[] = [];
    for (const record of ordered) {
      const frame = decodeFrame(record);
      if (frame) out.push(frame);
    }
    return out;
  }
}

/**
 * Reads frame headers out of one direction of a WebSocket stream, chunk by chunk. With
 * `copy` false the preview is a reference into the written chunk (server → client: the
 * bytes handed to the socket are not changed afterwards); with `copy` true it is copied,
 * because ws unmasks received payloads in place once the meter has seen them.
 */
export class FrameFinder {
  readonly #copy: boolean;
  readonly #direction: 'in' | 'out';
  readonly #sink: FrameSink;
  /** Bytes of a header split across chunks. */
  #header: number[] = [];
  /** Payload bytes of the current frame still to pass. */
  #remaining = 0;
  /** The frame whose payload is passing; recorded when the payload ends. */
  #record: FrameRecord | undefined;
  /** Preview bytes still wanted, and those gathered across chunks so far. */
  #want = 0;
  #pieces: Buffer[] | undefined;

  constructor(direction: 'in' | 'out', copy: boolean, sink: FrameSink) {
    this.#direction = direction;
    this.#copy = copy;
    this.#sink = sink;
  }

  /** Feeds bytes; hands each frame to the sink when its payload ends. */
  push(chunk: Buffer): void {
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, end - pos);
        if (this.#want > 0) this.#gather(chunk, pos, Math.min(take, this.#want));
        this.#remaining -= take;
        pos += take;
        if (this.#remaining === 0) this.#finish();
        continue;
      }
      if (this.#header.length === 0 && end - pos >= 2) {
        // The whole header in this chunk (ws writes it as a chunk of its own): copy it at once.
        const size = headerSizeOf(chunk[pos + 1] ?? 0);
        if (end - pos >= size) {
          const header: number[] = new Array(size);
          for (let i = 0; i < size; i++) header[i] = chunk[pos + i] ?? 0;
          pos += size;
          this.#begin(header);
          continue;
        }
      }
      this.#header.push(chunk[pos++] ?? 0);
      const b1 = this.#header[1];
      if (b1 === undefined || this.#header.length < headerSizeOf(b1)) continue;
      const header = this.#header;
      this.#header = [];
      this.#begin(header);
    }
  }

  #begin(header: number[]): void {
    const len7 = (header[1] ?? 0) & 0x7f;
    let length = len7;
    if (len7 >= 126) {
      length = 0;
      for (let i = 0, n = len7 === 126 ? 2 : 8; i < n; i++) length = length * 256 + (header[2 + i] ?? 0);
    }
    this.#record = { at: Date.now(), header, source: NOTHING, start: 0, end: 0 };
    this.#remaining = length;
    this.#want = Math.min(PREVIEW_BYTES, length);
    if (length === 0) this.#finish();
  }

  /** Takes `n` preview bytes at `chunk[pos]`. */
  #gather(chunk: Buffer, pos: number, n: number): void {
    const record = this.#record;
    if (!record) return;
    this.#want -= n;
    if (this.#pieces === undefined && this.#want === 0) {
      // The whole preview in one chunk: the usual case.
      if (this.#copy) {
        record.source = Buffer.from(chunk.subarray(pos, pos + n));
        record.end = n;
      } else {
        record.source = chunk;
        record.start = pos;
        record.end = pos + n;
      }
      return;
    }
    this.#pieces ??= [];
    this.#pieces.push(Buffer.from(chunk.subarray(pos, pos + n)));
  }

  #finish(): void {
    const record = this.#record;
    if (!record) return;
    if (this.#pieces !== undefined) {
      record.source = Buffer.concat(this.#pieces);
      record.start = 0;
      record.end = record.source.length;
      this.#pieces = undefined;
    }
    this.#record = undefined;
    this.#want = 0;
    this.#sink.recordFrame(this.#direction, record);
  }
}
