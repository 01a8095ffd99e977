import { BINARY_FRAME_SEPARATOR, type FeedMessage } from '../../protocol/wire.ts';
import { OPCODE, writeFrameHeader, wsFrameHeaderSize } from '../../protocol/ws-frame.ts';

/**
 * Serialization done once per message, shared by every client of every transport. Each cache
 * is a WeakMap on the message object, so it lives exactly as long as the feed retains it.
 *
 * The cached bytes get an ArrayBuffer of their own (`ownedBytes`), never a slice of Node's
 * shared 8 KiB allocation pool: `Buffer.from(string)` would pin a whole pool slab for as long
 * as the feed keeps the message, and with the pool shared by every short-lived buffer of the
 * server, 10 000 retained messages pinned tens of MiB of slabs (measured in the soak).
 */
const json = new WeakMap<FeedMessage, string>();
const wsFrame = new WeakMap<FeedMessage, Buffer>();
const sseEvent = new WeakMap<FeedMessage, Buffer>();
const sseHeader = new WeakMap<FeedMessage, number>();

/** The message as JSON: the payload every transport carries. */
export function messageJson(m: FeedMessage): string {
  let s = json.get(m);
  if (s === undefined) {
    s = JSON.stringify(m);
    json.set(m, s);
  }
  return s;
}

/**
 * The complete WebSocket frame of a message, header included: one final, unmasked text frame
 * (RFC 6455 §5.2) whose payload is `{"type":"message",...message}`, or for a binary message
 * one binary frame (see `binaryFrame`). Byte for byte what ws
 * writes for `ws.send(payload)` on a server without permessage-deflate; built once, so a
 * fan-out writes the same buffer to every socket (server/transports/ws/send-frame.ts).
 */
export function wsMessageFrame(m: FeedMessage): Buffer {
  // A fan-out asks for the same message once per client in a row: the last one answers
  // without a WeakMap lookup.
  if (m === lastWs.message) return lastWs.bytes;
  let frame = wsFrame.get(m);
  if (frame === undefined) {
    frame = m.encoding === 'base64' ? binaryFrame(m) : textFrame(`{"type":"message",${messageJson(m).slice(1)}`);
    wsFrame.set(m, frame);
  }
  lastWs.message = m;
  lastWs.bytes = frame;
  return frame;
}

/** The latest message encoded for a transport, and its bytes (and header size, for SSE). */
interface Latest {
  message: FeedMessage | undefined;
  bytes: Buffer;
  header: number;
}
const lastWs: Latest = { message: undefined, bytes: Buffer.alloc(0), header: 0 };
const lastSse: Latest = { message: undefined, bytes: Buffer.alloc(0), header: 0 };

function textFrame(payload: string): Buffer {
  const length = Buffer.byteLength(payload);
  const frame = Buffer.allocUnsafeSlow(wsFrameHeaderSize(length, false) + length);
  frame.write(payload, writeFrameHeader(frame, OPCODE.text, length));
  return frame;
}

/**
 * A binary message as one binary frame (opcode 2): the envelope without its body, a newline,
 * then the bytes raw, not base64 (the WebSocket's advantage the page measures: `protocol/wire.ts`,
 * BINARY_FRAME_SEPARATOR).
 */
function binaryFrame(m: FeedMessage): Buffer {
  const envelope = JSON.stringify({ type: 'message', seq: m.seq, ts: m.ts, source: m.source, encoding: 'binary' });
  const bytes = Buffer.from(String(m.body), 'base64');
  const length = Buffer.byteLength(envelope) + 1 + bytes.length;
  const frame = Buffer.allocUnsafeSlow(wsFrameHeaderSize(length, false) + length);
  let at = writeFrameHeader(frame, OPCODE.binary, length);
  at += frame.write(envelope, at);
  frame[at++] = BINARY_FRAME_SEPARATOR;
  bytes.copy(frame, at);
  return frame;
}

/**
 * The SSE event `id: <seq>\ndata: <json>\n\n` of a message as one HTTP/1.1 chunk
 * (`<size in hex>\r\n<event>\r\n`), built once: byte for byte what `res.write(event)` puts
 * on a chunked response, so a stream can hand the same buffer to every socket in one write
 * instead of three writes, a cork and an uncork per client (see transports/sse.ts).
 */
export function sseMessageChunk(m: FeedMessage): Buffer {
  if (m === lastSse.message) return lastSse.bytes;
  let b = sseEvent.get(m);
  if (b === undefined) {
    b = ownedBytes(httpChunk(`id: ${m.seq}\ndata: ${messageJson(m)}\n\n`));
    sseEvent.set(m, b);
  }
  lastSse.message = m;
  lastSse.bytes = b;
  lastSse.header = sseHeaderOf(m, b);
  return b;
}

/**
 * How many bytes of `sseMessageChunk(m)` are header as the meter splits an event stream: the
 * chunk's size line and CRLF, `id: <seq>\n`, `data: ` and the event's two LFs — all but the
 * message JSON (which has no line break: JSON.stringify escapes them).
 */
export function sseChunkHeaderBytes(m: FeedMessage): number {
  if (m !== lastSse.message) sseMessageChunk(m);
  return lastSse.header;
}

function sseHeaderOf(m: FeedMessage, chunk: Buffer): number {
  let n = sseHeader.get(m);
  if (n === undefined) {
    n = chunk.length - Buffer.byteLength(messageJson(m));
    sseHeader.set(m, n);
  }
  return n;
}

/** `text` framed as one HTTP/1.1 chunk (RFC 9112 §7.1): its UTF-8 size in hex, CRLF, text, CRLF. */
export function httpChunk(text: string): string {
  return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
}

/** `text` as UTF-8 in a Buffer with its own backing store, sized exactly (not from the pool). */
function ownedBytes(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}
