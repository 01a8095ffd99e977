/**
 * RFC 6455 §5.2 framing, the one place its byte rules are written: how long a frame header is,
 * what its fields say, how a server writes one, and what a control frame's payload means. The
 * socket meter counts with it, the wire inspector decodes with it, the WebSocket fast path
 * writes with it, and the dashboard draws its model with it, so the number the page teaches
 * ("2–14 bytes a message") is the rule the meter applies. Pure, over plain byte arrays, so it
 * runs in the browser as well as in Node.
 */

/** Payload lengths up to this fit the 7-bit length field. */
export const LEN7_MAX = 125;
/** Payload lengths up to this fit the 16-bit extended length; above, the 64-bit one is used. */
export const LEN16_MAX = 0xffff;
/** The masking key every client-to-server frame carries. */
export const MASK_KEY_BYTES = 4;

/** Opcodes (§5.2). */
export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Names of the opcodes, for a label next to the number. */
export const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'continuation',
  1: 'text',
  2: 'binary',
  8: 'close',
  9: 'ping',
  10: 'pong',
};

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

/** Bytes of extended length that follow the second header byte when its 7-bit length is `len7`. */
export function extendedLengthBytes(len7: number): 0 | 2 | 8 {
  return len7 === 127 ? 8 : len7 === 126 ? 2 : 0;
}

/**
 * Size of a header whose second byte is `b1`: what must be read before the payload starts,
 * for an incremental reader that has seen two bytes.
 */
export function headerSizeOf(b1: number): number {
  return 2 + extendedLengthBytes(b1 & 0x7f) + (b1 & 0x80 ? MASK_KEY_BYTES : 0);
}

/**
 * Size of the header of a frame carrying `payloadLength` bytes: 2, 4 or 10, plus 4 when
 * masked. The same rule as `headerSizeOf`, in closed form, for the models and for writing.
 */
export function wsFrameHeaderSize(payloadLength: number, masked: boolean): number {
  if (!Number.isSafeInteger(payloadLength) || payloadLength < 0) {
    throw new RangeError(`payload length must be a non-negative safe integer, got ${payloadLength}`);
  }
  const base = payloadLength <= LEN7_MAX ? 2 : payloadLength <= LEN16_MAX ? 4 : 10;
  return masked ? base + MASK_KEY_BYTES : base;
}

/**
 * Writes the unmasked header of one final frame (what a server sends) at the start of
 * `target`; returns its size. `target` must hold at least `wsFrameHeaderSize(length, false)`.
 */
export function writeFrameHeader(target: Uint8Array, opcode: number, payloadLength: number): number {
  const size = wsFrameHeaderSize(payloadLength, false);
  target[0] = 0x80 | (opcode & 0x0f);
  if (size === 2) {
    target[1] = payloadLength;
  } else if (size === 4) {
    target[1] = 126;
    target[2] = payloadLength >>> 8;
    target[3] = payloadLength & 0xff;
  } else {
    target[1] = 127;
    let n = payloadLength;
    for (let i = 9; i >= 2; i--) {
      target[i] = n % 256;
      n = Math.floor(n / 256);
    }
  }
  return size;
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
  const ext = extendedLengthBytes(b1 & 0x7f);
  let payloadLength = b1 & 0x7f;
  if (ext > 0) {
    payloadLength = 0;
    for (let i = 0; i < ext; i++) payloadLength = payloadLength * 256 + (bytes[2 + i] ?? 0);
  }
  return {
    fin: (b0 & 0x80) !== 0,
    rsv: (b0 >> 4) & 0x07,
    opcode: b0 & 0x0f,
    masked: (b1 & 0x80) !== 0,
    payloadLength,
    lengthField: ext === 0 ? 7 : ext === 2 ? 16 : 64,
    size,
    bytes: Array.from({ length: size }, (_, i) => bytes[i] ?? 0),
  };
}

const utf8 = new TextDecoder('utf-8');

/**
 * The first payload bytes of a frame as a person reads them: a close frame's status code and
 * reason (§5.5.1: a 2-byte big-endian code, then UTF-8), a binary frame's bytes in hex, any
 * other frame's bytes as UTF-8 text. `payload` is unmasked and may be cut short.
 */
export function describePayload(opcode: number, payload: Uint8Array): string {
  if (opcode === OPCODE.close) {
    if (payload.length < 2) return payload.length === 0 ? '(no status)' : '';
    const code = ((payload[0] ?? 0) << 8) | (payload[1] ?? 0);
    const reason = utf8.decode(payload.subarray(2));
    return reason === '' ? String(code) : `${code} ${reason}`;
  }
  if (opcode === OPCODE.binary) {
    return Array.from(payload, (b) => b.toString(16).padStart(2, '0')).join(' ');
  }
  return utf8.decode(payload);
}
