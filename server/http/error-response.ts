import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERRORS, type ErrorCode } from '../errors.ts';

/**
 * The one way an HTTP refusal is written, whoever refuses: the Koa app (through its error
 * middleware, with `errorBody`), the front door before Koa (`sendError`), and the places where
 * no response object exists at all: Node's parser refusing a request, and upgrades refused
 * before any WebSocket (`abortHandshake`, shaped like ws's own). Every refusal is then the
 * same JSON shape with a code from the one table (server/errors.ts), so a client parses one
 * thing whatever refused it.
 */

/** `{ "error": { "code", "message" } }`, the body of every refusal. */
export function errorBody(
  code: ErrorCode,
  message: string = ERRORS[code].message,
): {
  error: { code: ErrorCode; message: string };
} {
  return { error: { code, message } };
}

/** Headers every error answer carries: JSON, never cached, never sniffed as something else. */
export const ERROR_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** The header naming the instance that answered, on every answer (see `Config.instance`). */
export function instanceHeader(instance: string): Record<string, string> {
  return { 'X-Pushrace-Instance': instance };
}

/**
 * Refuses on a raw socket and closes it: a complete HTTP/1.1 answer with the JSON error body
 * and `Connection: close`, then the socket is destroyed once written. For sockets that have
 * no ServerResponse: a request Node's parser refused ('clientError'), an upgrade refused
 * before the WebSocket exists. A socket that can no longer be written to is destroyed.
 */
export function abortHandshake(
  socket: Duplex,
  code: ErrorCode,
  message: string = ERRORS[code].message,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(code, message));
  const status = ERRORS[code].status;
  const all: Record<string, string | number> = {
    Connection: 'close',
    ...ERROR_HEADERS,
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  };
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${Object.entries(all)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n${body}`,
  );
}

/**
 * Refuses a request through its ServerResponse, before Koa sees it (the front door). `close`
 * asks the client to go away (a connection over a cap); the request's body is drained rather
 * than left half-read on a connection that may be reused.
 */
export function sendError(
  res: ServerResponse,
  code: ErrorCode,
  opts: { message?: string; headers?: Readonly<Record<string, string>>; close?: boolean } = {},
): void {
  const body = JSON.stringify(errorBody(code, opts.message));
  res.writeHead(ERRORS[code].status, {
    ...ERROR_HEADERS,
    'Content-Length': Buffer.byteLength(body),
    ...(opts.close ? { Connection: 'close' } : {}),
    ...opts.headers,
  });
  res.end(body);
  res.req.resume();
}
