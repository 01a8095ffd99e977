/**
 * RFC 6455 §5.2 frame headers as the inspector shows them: the fields of the 2–14 header bytes
 * of one WebSocket frame. Pure, so the byte math the dashboard teaches is tested on its own.
 */

/** The decoded fields of one frame header, plus the raw bytes they came from. */
export interface FrameHeader {
  /** Final fragment of a message. */
  fin: boolean;
  /** The three reserved bits (non-zero only with an extension such as permessage-deflate). */
  rsv: number;
  /** 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number;
  /** Client → server frames are masked (a 4-byte key follows the length). */
  masked: boolean;
  /** Payload length in bytes, from the 7-bit field or the 16/64-bit extension. */
  payloadLength: number;
  /** Which length form was used: 7 (≤125), 16 (≤65 535) or 64 bits. */
  lengthField: 7 | 16 | 64;
  /** Total header size: 2, 4 or 10, +4 with a mask key. */
  size: number;
  /** The header bytes themselves, mask key included. */
  bytes: number[];
}

/** Names of the opcodes, for a label next to the number. */
export const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'continuation',
  1: 'text',
  2: 'binary',
  8: 'close',
  9: 'ping',
  10: 'pong',
};

/**
 * Size of a header whose first two bytes are `b0`, `b1`: what must be read before the payload
 * starts. Lets an incremental reader know how many bytes to collect.
 */
export function headerSizeOf(b1: number): number {
  const len7 = b1 & 0x7f;
  const ext = len7 === 127 ? 8 : len7 === 126 ? 2 : 0;
  return 2 + ext + (b1 & 0x80 ? 4 : 0);
}

/**
 * Decodes a complete frame header (at least `headerSizeOf(bytes[1])` bytes; extra bytes are
 * ignored). Returns null when too few bytes are given.
 */
export function parseFrameHeader(bytes: ArrayLike<number>): FrameHeader | null {
  if (bytes.length < 2) return null;
  const b0 = bytes[0] ?? 0;
  const b1 = bytes[1] ?? 0;
  const size = headerSizeOf(b1);
  if (bytes.length < size) return null;
  const len7 = b1 & 0x7f;
  let payloadLength = len7;
  let lengthField: 7 | 16 | 64 = 7;
  if (len7 >= 126) {
    const n = len7 === 126 ? 2 : 8;
    lengthField = n === 2 ? 16 : 64;
    payloadLength = 0;
    for (let i = 0; i < n; i++) payloadLength = payloadLength * 256 + (bytes[2 + i] ?? 0);
  }
  return {
    fin: (b0 & 0x80) !== 0,
    rsv: (b0 >> 4) & 0x07,
    opcode: b0 & 0x0f,
    masked: (b1 & 0x80) !== 0,
    payloadLength,
    lengthField,
    size,
    bytes: Array.from({ length: size }, (_, i) => bytes[i] ?? 0),
  };
}
