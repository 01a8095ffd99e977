import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Config } from '../config.ts';
import type { ErrorCode } from '../errors.ts';
import type { Violation } from '../observe/metrics.ts';
import type { Observer } from '../observe/observer.ts';
import { bearerToken, needsToken, tokenMatches } from './access.ts';
import { abortHandshake, instanceHeader, sendError } from './error-response.ts';
import { hostCheck } from './host.ts';
import type { ConnectionLimiter } from './limits.ts';

/** The path of a request URL, without its query string (which may hold a token: never logged). */
export const pathOf = (url: string | undefined): string => {
  const q = (url ?? '/').indexOf('?');
  return q === -1 ? (url ?? '/') : (url ?? '/').slice(0, q);
};

/**
 * Checks made on every request and upgrade before Koa or ws sees it: connection caps, the
 * Host (DNS rebinding), header count, the token of protected routes, the shape of a WebSocket
 * handshake, and the `/metrics` endpoint. Refusals use the same JSON error body as the app and
 * are counted and logged as violations (path and IP only).
 */
export interface FrontDoor {
  /**
   * Why the request may not go on, or undefined when it passes every check: answers nothing and
   * counts nothing. The server asks once, before the fast GET routes; a refused request must
   * then go to `request` with this answer.
   */
  check(req: IncomingMessage): Refusal | undefined;
  /** True when the request was answered here: refused (`refused`, what `check` said of it), or /metrics. */
  request(req: IncomingMessage, res: ServerResponse, refused: Refusal | undefined): boolean;
  /** True when the upgrade was refused here (the socket has been answered and closed). */
  upgrade(req: IncomingMessage, socket: Duplex): boolean;
}

/** Why a request may not go on: the error, the violation it counts as, extra headers, a message. */
export interface Refusal {
  code: ErrorCode;
  kind: Violation;
  headers?: Record<string, string>;
  message?: string;
}

/** A Sec-WebSocket-Key: 16 random bytes in base64 (RFC 6455 §4.1). */
const WS_KEY = /^[+/0-9A-Za-z]{22}==$/;

export function createFrontDoor(config: Config, limiter: ConnectionLimiter, observer: Observer): FrontDoor {
  const { metrics } = observer;
  // The name the server was bound to is one it answers to, whatever ALLOWED_HOSTS says.
  const hostAllowed = hostCheck([...config.allowedHosts, config.host.toLowerCase()]);

  /** The checks every request and upgrade gets, in order of cost. */
  const refusal = (req: IncomingMessage): Refusal | undefined => {
    if (limiter.refused(req.socket as Socket)) {
      return { code: 'TOO_MANY_CONNECTIONS', kind: 'too_many_connections', headers: { 'Retry-After': '1' } };
    }
    const host = req.headers.host;
    if (host === undefined && req.httpVersion === '1.1') {
      return { code: 'BAD_REQUEST', kind: 'protocol', message: 'an HTTP/1.1 request needs a Host header' };
    }
    if (!hostAllowed(host)) return { code: 'UNKNOWN_HOST', kind: 'unknown_host' };
    if (req.rawHeaders.length / 2 > config.maxHeaderCount)
      return { code: 'HEADERS_TOO_LARGE', kind: 'too_many_headers' };
    if (config.publishToken !== '' && needsToken(req.method, pathOf(req.url))) {
      if (!tokenMatches(bearerToken(req.headers.authorization), config.publishToken)) {
        return { code: 'UNAUTHORIZED', kind: 'unauthorized', headers: { 'WWW-Authenticate': 'Bearer' } };
      }
    }
    return undefined;
  };

  /** What ws would refuse in plain text, refused here in JSON: a handshake that is not one. */
  const badHandshake = (req: IncomingMessage): Refusal | undefined => {
    if (req.method !== 'GET') {
      return { code: 'METHOD_NOT_ALLOWED', kind: 'protocol', message: 'a WebSocket handshake is a GET' };
    }
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      return { code: 'BAD_REQUEST', kind: 'protocol', message: 'Upgrade must be websocket' };
    }
    if (!WS_KEY.test(req.headers['sec-websocket-key'] ?? '')) {
      return { code: 'BAD_REQUEST', kind: 'protocol', message: 'missing or invalid Sec-WebSocket-Key' };
    }
    if (req.headers['sec-websocket-version'] !== '13') {
      return {
        code: 'BAD_REQUEST',
        kind: 'protocol',
        message: 'Sec-WebSocket-Version must be 13',
        headers: { 'Sec-WebSocket-Version': '13' },
      };
    }
    return undefined;
  };

  const violation = (kind: Violation, req: IncomingMessage) =>
    observer.violation(kind, { ip: req.socket.remoteAddress, path: pathOf(req.url) });

  return {
    check: refusal,
    request(req, res, refused) {
      if (refused) {
        violation(refused.kind, req);
        sendError(res, refused.code, {
          close: refused.code !== 'UNAUTHORIZED',
          ...(refused.headers ? { headers: refused.headers } : {}),
          ...(refused.message ? { message: refused.message } : {}),
        });
        return true;
      }
      if (req.method === 'GET' && pathOf(req.url) === '/metrics') {
        metrics.render().then(
          ({ body, contentType }) => {
            res.writeHead(200, {
              'Content-Type': contentType,
              'Cache-Control': 'no-store',
              'X-Content-Type-Options': 'nosniff',
            });
            res.end(body);
          },
          () => sendError(res, 'INTERNAL'),
        );
        return true;
      }
      return false;
    },
    upgrade(req, socket) {
      const refused = refusal(req) ?? badHandshake(req);
      if (!refused) return false;
      violation(refused.kind, req);
      abortHandshake(socket, refused.code, refused.message, { ...instanceHeader(config.instance), ...refused.headers });
      return true;
    },
  };
}
