import type { ByteSplit } from '../../protocol/wire.ts';

/** Payload lengths up to this fit the 7-bit length field of a frame header (RFC 6455 §5.2). */
const LEN7_MAX = 125;
/** Payload lengths up to this fit the 16-bit extended length; above, the 64-bit one is used. */
const LEN16_MAX = 0xffff;
/** Size of the masking key that every client-to-server frame carries. */
const MASK_KEY = 4;

/**
 * Size in bytes of the header of one WebSocket frame (RFC 6455 §5.2): 2, 4 or 10 bytes by
 * payload length, plus 4 when masked. The meter counts real headers off the wire; this is
 * the same model in closed form, for the dashboard's "what would it cost" drawings and for
 * tests that compute expected counts by hand.
 */
export function wsFrameHeaderSize(payloadLength: number, masked: boolean): number {
  if (!Number.isSafeInteger(payloadLength) || payloadLength < 0) {
    throw new RangeError(`payload length must be a non-negative safe integer, got ${payloadLength}`);
  }
  const base = payloadLength <= LEN7_MAX ? 2 : payloadLength <= LEN16_MAX ? 4 : 10;
  return masked ? base + MASK_KEY : base;
}

/**
 * Splits a WebSocket byte stream (one direction of an upgraded connection) into frame headers
 * and frame payloads, incrementally: chunks may end anywhere, even inside a header. Every
 * opcode counts the same (text, binary, continuation, ping, pong, close). It keeps a few
 * numbers of state and never buffers bytes; it does not validate frames (the peer's WebSocket
 * implementation does) and never throws, so whatever arrives is counted exactly once.
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

  /**
   * Counts `chunk` into `into` (header and payload added, never reset) and returns it. Pass
   * the counters to fill, or none to get a fresh split of this chunk alone.
   */
  push(chunk: Uint8Array, into: ByteSplit = { header: 0, payload: 0 }): ByteSplit {
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, end - pos);
        into.payload += take;
        this.#remaining -= take;
        pos += take;
        continue;
      }
      // Inside a frame header: at most 14 bytes, read one at a time.
      const byte = chunk[pos++] ?? 0;
      into.header++;
      const seen = ++this.#headerSeen;
      if (seen === 2) {
        const len7 = byte & 0x7f;
        this.#extended = len7 === 127 ? 8 : len7 === 126 ? 2 : 0;
        this.#length = this.#extended === 0 ? len7 : 0;
        this.#headerSize = 2 + this.#extended + (byte & 0x80 ? MASK_KEY : 0);
      } else if (seen > 2 && seen <= 2 + this.#extended) {
        this.#length = this.#length * 256 + byte;
      }
      if (seen >= 2 && seen === this.#headerSize) {
        // An oversized 64-bit length loses precision here; the frame is then effectively
        // endless, which is what any receiver would make of it too.
        this.#remaining = this.#length;
        this.#headerSeen = 0;
        this.#headerSize = 2;
      }
    }
    return into;
  }

  /** True between frames: no header or payload is half-seen. */
  get atFrameBoundary(): boolean {
    return this.#headerSeen === 0 && this.#remaining === 0;
  }
}
