import type { FeedMessage } from '../../../protocol/wire.ts';
import { messageJson } from '../../feed/encode.ts';

/**
 * A message as the socket.io packet of `socket.emit('message', envelope)` on the main
 * namespace, `2["message",<envelope>]` (engine.io adds its own `4`), built once per message
 * and handed to every connection's engine.io socket: byte for byte what socket.io's encoder
 * would make of the same object, without stringifying it again per client. A binary message
 * keeps its base64 envelope (`"encoding":"base64"`), as on poll, long-poll and SSE.
 */
const packets = new WeakMap<FeedMessage, string>();

export function sioMessagePacket(m: FeedMessage): string {
  let p = packets.get(m);
  if (p === undefined) {
    p = `2["message",${messageJson(m)}]`;
    packets.set(m, p);
  }
  return p;
}
