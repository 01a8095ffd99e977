import type { FeedMessage } from '../../protocol/wire.ts';

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

/** The message as JSON: the payload every transport carries. */
export function messageJson(m: FeedMessage): string {
  let s = json.get(m);
  if (s === undefined) {
    s = JSON.stringify(m);
    json.set(m, s);
  }
  return s;
}

/** The WebSocket text frame payload `{"type":"message",...message}`, as bytes, built once. */
export function wsMessagePayload(m: FeedMessage): Buffer {
  let b = wsFrame.get(m);
  if (b === undefined) {
    b = ownedBytes(`{"type":"message",${messageJson(m).slice(1)}`);
    wsFrame.set(m, b);
  }
  return b;
}

/** The SSE event `id: <seq>\ndata: <json>\n\n`, as bytes, built once. */
export function sseMessageEvent(m: FeedMessage): Buffer {
  let b = sseEvent.get(m);
  if (b === undefined) {
    b = ownedBytes(`id: ${m.seq}\ndata: ${messageJson(m)}\n\n`);
    sseEvent.set(m, b);
  }
  return b;
}

/** `text` as UTF-8 in a Buffer with its own backing store, sized exactly (not from the pool). */
function ownedBytes(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}
