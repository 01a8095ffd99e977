import { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { wsFrameHeaderSize } from '../../metering/ws-framer.ts';

/** Complete frames by payload: a message's frame lives exactly as long as its cached payload. */
const frames = new WeakMap<Buffer, Buffer>();

/**
 * `payload` as one complete, unmasked, final text frame (RFC 6455 §5.2: FIN + opcode 1, the
 * 7/16/64-bit length, the payload): byte for byte what ws writes for
 * `ws.send(payload, { binary: false })` on a server without permessage-deflate. Built once per
 * payload, with a backing store of its own (never a slice of Node's shared pool, which a
 * long-lived buffer would pin).
 */
export function textFrame(payload: Buffer): Buffer {
  let frame = frames.get(payload);
  if (frame === undefined) {
    const n = payload.length;
    const header = wsFrameHeaderSize(n, false);
    frame = Buffer.allocUnsafeSlow(header + n);
    frame[0] = 0x81;
    if (header === 2) frame[1] = n;
    else if (header === 4) {
      frame[1] = 126;
      frame.writeUInt16BE(n, 2);
    } else {
      frame[1] = 127;
      frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
      frame.writeUInt32BE(n >>> 0, 6);
    }
    payload.copy(frame, header);
    frames.set(payload, frame);
  }
  return frame;
}

/**
 * Sends `payload` as one text frame. The fan-out's hot path: while the connection is open,
 * the prebuilt frame goes to ws's socket in a single write, instead of ws framing it again
 * for every client (a header allocated per send, then cork, two writes, uncork and a
 * two-buffer writev). Same bytes, same order: ws sends a frame at once unless it is
 * compressing or reading a Blob, and this server does neither (perMessageDeflate is off, only
 * strings and buffers are sent). `ws.bufferedAmount` still counts the frame while it is
 * queued (it reads the socket's queue), so the send-buffer bound works as before. Anything
 * else (closing, no socket) goes through `ws.send`, which knows what to do.
 */
export function sendText(ws: WebSocket, payload: Buffer): void {
  const socket = directSocket(ws);
  if (socket) socket.write(textFrame(payload));
  else ws.send(payload, { binary: false });
}

/**
 * ws's socket, when a frame may be written to it directly: the connection is open, no
 * extension is negotiated (without permessage-deflate ws never queues a frame behind a
 * compression, so a direct write cannot overtake one), and ws 8 still keeps the socket as
 * `_socket` (a private field: `ws` is pinned exactly, and a test fails if this stops finding it).
 */
export function directSocket(ws: WebSocket): Socket | undefined {
  if (ws.readyState !== ws.OPEN || ws.extensions !== '') return undefined;
  const socket: unknown = Reflect.get(ws, '_socket');
  return socket instanceof Socket && socket.writable ? socket : undefined;
}
