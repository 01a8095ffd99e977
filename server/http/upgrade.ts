import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERRORS, type ErrorCode } from '../errors.ts';

/**
 * Refuses an HTTP upgrade before any WebSocket exists: a plain HTTP answer with the usual
 * JSON error body, then the socket is closed. Used for unknown paths, foreign origins and
 * bad query strings, so a refused browser sees a real status, not a dropped connection.
 */
export function rejectUpgrade(socket: Duplex, code: ErrorCode, message: string = ERRORS[code].message): void {
  const status = ERRORS[code].status;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
  socket.once('finish', () => socket.destroy());
}
