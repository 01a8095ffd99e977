import { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { headerSizeOf, OPCODE } from '../../../protocol/ws-frame.ts';
import { writeCoalesced } from '../shared/coalesce.ts';

/**
 * Sends a prebuilt, complete, unmasked final frame (see `wsMessageFrame`). The fan-out's hot
 * path: while the connection is open and no extension is negotiated (without
 * permessage-deflate ws never queues a frame behind a compression, so a direct write cannot
 * overtake one), the frame goes to ws's socket in a single write,
 * instead of ws framing the payload again for every client (a header allocated per send,
 * then cork, two writes, uncork and a two-buffer writev). Same bytes, same order: ws sends a
 * frame at once unless it is compressing or reading a Blob, and this server does neither
 * (perMessageDeflate is off, only strings and buffers are sent). `ws.bufferedAmount` still
 * counts the frame while it is queued (it reads the socket's queue), so the send-buffer bound
 * works as before. An open connection that cannot be written directly goes through `ws.send`
 * with the frame's payload; a connection that is no longer open gets nothing. Returns whether
 * the frame was sent, so a delivery is counted only when it was. `socket`: ws's socket, when
 * the caller already has it (a connection keeps it: one lookup per connection, not per frame).
 */
export function sendFrame(ws: WebSocket, frame: Buffer, socket: Socket | undefined = wsSocket(ws)): boolean {
  if (socket && ws.extensions === '') return sendDirect(ws, socket, frame);
  if (ws.readyState !== ws.OPEN) return false;
  // Failed or ending (the peer is gone and ws has not noticed yet): nothing more goes out.
  if (socket && !socket.writable) return false;
  const binary = ((frame[0] ?? 0) & 0x0f) === OPCODE.binary;
  ws.send(frame.subarray(headerSizeOf(frame[1] ?? 0)), { binary });
  return true;
}

/**
 * `sendFrame` for a caller that has checked once that `socket` is ws's and no extension is
 * negotiated (`directSocket`; both are settled by the handshake): the frame goes straight to
 * the socket. The fan-out's per-client call, without `ws.extensions`, which builds a string
 * every time it is read.
 */
export function sendDirect(ws: WebSocket, socket: Socket, frame: Buffer): boolean {
  // Failed or ending (the peer is gone and ws has not noticed yet): nothing more goes out.
  if (ws.readyState !== OPEN || !socket.writable) return false;
  writeCoalesced(socket, frame, headerSizeOf(frame[1] ?? 0), true);
  return true;
}

/**
 * ws's socket when frames may be written to it directly: no extension negotiated. Then ws's
 * sender never queues a frame of its own either (it queues only behind a compression or a
 * Blob being read, and this server does neither), so what is still queued is the socket's
 * `writableLength`, which is `ws.bufferedAmount` without its lookups.
 */
export function directSocket(ws: WebSocket): Socket | undefined {
  return ws.extensions === '' ? wsSocket(ws) : undefined;
}

/** `WebSocket.OPEN`, the value of `readyState` while the connection is open (RFC 6455 "OPEN"). */
const OPEN = 1;

/**
 * ws's socket: ws 8 keeps it as `_socket`, a private field (`ws` is pinned exactly, and a test
 * fails if this stops finding it, since the fast path would silently stop being taken).
 */
export function wsSocket(ws: WebSocket): Socket | undefined {
  const socket: unknown = Reflect.get(ws, '_socket');
  return socket instanceof Socket ? socket : undefined;
}
