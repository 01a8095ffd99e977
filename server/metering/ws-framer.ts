import type { ByteSplit } from '../../protocol/wire.ts';
import { extendedLengthBytes, headerSizeOf } from '../../protocol/ws-frame.ts';
import type { EioSplitter } from './eio-splitter.ts';

/**
 * Told about every complete frame of one direction, for the wire inspector: the 2–14 header
 * bytes and a copy of the first payload bytes exactly as they crossed the wire (still masked
 * on client frames). Attached only to the connections someone inspects, so the fan-out's
 * sockets pay nothing for it.
 */
export interface FrameObserver {
  /** How many payload bytes to copy into `preview`. */
  readonly previewBytes: number;
  frame(header: number[], preview: Uint8Array): void;
}

const NO_PREVIEW: Uint8Array = new Uint8Array(0);
/** What an unobserved framer holds in place of its header and preview buffers (never written). */
const NO_HEADER: number[] = [];
const NO_PIECES: Uint8Array[] = [];

/**
 * Splits a WebSocket byte stream (one direction of an upgraded connection) into frame headers
 * and frame payloads, incrementally: chunks may end anywhere, even inside a header. Every
 * opcode counts the same (text, binary, continuation, ping, pong, close). It keeps a few
 * numbers of state and buffers nothing unless an observer wants the frames; it does not
 * validate frames (the peer's WebSocket implementation does) and never throws, so whatever
 * arrives is counted exactly once. The one parser of frames on the server: the meter counts
 * with it and the inspector is fed from it.
 */
export class WsFramer {
  /** Header bytes of the current frame seen so far; 0 while inside a payload or between frames. */
  #headerSeen = 0;
  /** Full header size of the current frame, known once its second byte has been seen. */
  #headerSize = 2;
  /** Bytes of extended length (0, 2 or 8) of the current frame. */
  #extended = 0;
  /** Payload length being assembled from the header. */
  #length = 0;
  /** Payload bytes of the current frame not seen yet. */
  #remaining = 0;
  readonly #observer: FrameObserver | undefined;
  /**
   * Observed only: the current frame's header bytes and preview pieces (an unobserved framer,
   * one per direction of every WebSocket connection, shares the empty ones and never fills them).
   */
  #header: number[] = NO_HEADER;
  #want = 0;
  #pieces: Uint8Array[] = NO_PIECES;
  /** Splits each frame's payload further, by engine.io packet framing (socket.io connections). */
  readonly #packets: EioSplitter | undefined;

  constructor(observer?: FrameObserver, packets?: EioSplitter) {
    this.#observer = observer;
    this.#packets = packets;
    if (observer !== undefined) {
      this.#header = [];
      this.#pieces = [];
    }
  }

  /** The stream ended: bytes the packet splitter still holds back, to count as header. */
  finish(): number {
    return this.#packets?.flush() ?? 0;
  }

  /**
   * Counts `chunk` into `into` (header and payload added, never reset) and returns it. Pass
   * the counters to fill, or none to get a fresh split of this chunk alone.
   */
  push(chunk: Uint8Array, into: ByteSplit = { header: 0, payload: 0 }): ByteSplit {
    const end = chunk.length;
    const observed = this.#observer !== undefined;
    let pos = 0;
    while (pos < end) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, end - pos);
        if (this.#packets === undefined) into.payload += take;
        else this.#packets.push(chunk, pos, pos + take, into);
        if (observed && this.#want > 0) this.#gather(chunk, pos, Math.min(take, this.#want));
        this.#remaining -= take;
        pos += take;
        if (observed && this.#remaining === 0) this.#report();
        continue;
      }
      // Inside a frame header: at most 14 bytes, read one at a time.
      const byte = chunk[pos++] ?? 0;
      into.header++;
      if (observed) this.#header.push(byte);
      const seen = ++this.#headerSeen;
      if (seen === 2) {
        this.#extended = extendedLengthBytes(byte & 0x7f);
        this.#length = this.#extended === 0 ? byte & 0x7f : 0;
        this.#headerSize = headerSizeOf(byte);
      } else if (seen > 2 && seen <= 2 + this.#extended) {
        this.#length = this.#length * 256 + byte;
      }
      if (seen >= 2 && seen === this.#headerSize) {
        // An oversized 64-bit length loses precision here; the frame is then effectively
        // endless, which is what any receiver would make of it too.
        this.#remaining = this.#length;
        this.#packets?.begin(this.#length);
        this.#headerSeen = 0;
        this.#headerSize = 2;
        if (observed) {
          this.#want = Math.min(this.#observer?.previewBytes ?? 0, this.#length);
          if (this.#length === 0) this.#report();
        }
      }
    }
    return into;
  }

  /** True between frames: no header or payload is half-seen. */
  get atFrameBoundary(): boolean {
    return this.#headerSeen === 0 && this.#remaining === 0;
  }

  /** Copies `n` preview bytes at `chunk[pos]` (copied: ws unmasks received payloads in place). */
  #gather(chunk: Uint8Array, pos: number, n: number): void {
    this.#pieces.push(new Uint8Array(chunk.subarray(pos, pos + n))); // a copy: Buffer's slice() is a view
    this.#want -= n;
  }

  #report(): void {
    const pieces = this.#pieces;
    let preview: Uint8Array = NO_PREVIEW;
    if (pieces.length === 1) preview = pieces[0] ?? NO_PREVIEW;
    else if (pieces.length > 1) {
      preview = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of pieces) {
        preview.set(p, at);
        at += p.length;
      }
    }
    const header = this.#header;
    this.#header = [];
    this.#pieces = [];
    this.#want = 0;
    this.#observer?.frame(header, preview);
  }
}
