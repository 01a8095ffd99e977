import { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { headerSizeOf, OPCODE } from '../../../protocol/ws-frame.ts';

/**
 * Sends a prebuilt, complete, unmasked final frame (see `wsMessageFrame`). The fan-out's hot
 * path: while the connection is open, the frame goes to ws's socket in a single write,
 * instead of ws framing the payload again for every client (a header allocated per send,
 * then cork, two writes, uncork and a two-buffer writev). Same bytes, same order: ws sends a
 * frame at once unless it is compressing or reading a Blob, and this server does neither
 * (perMessageDeflate is off, only strings and buffers are sent). `ws.bufferedAmount` still
 * counts the frame while it is queued (it reads the socket's queue), so the send-buffer bound
 * works as before. An open connection that cannot be written directly goes through `ws.send`
 * with the frame's payload; a connection that is no longer open gets nothing. Returns whether
 * the frame was sent, so a delivery is counted only when it was.
 */
export function sendFrame(ws: WebSocket, frame: Buffer): boolean {
  const socket = directSocket(ws);
  if (socket) {
    socket.write(frame);
    return true;
  }
  // Not open (closing, or its socket failed): nothing is sent, and the caller counts nothing.
  if (ws.readyState !== ws.OPEN) return false;
  const binary = ((frame[0] ?? 0) & 0x0f) === OPCODE.binary;
  ws.send(frame.subarray(headerSizeOf(frame[1] ?? 0)), { binary });
  return true;
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
