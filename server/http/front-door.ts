import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Config } from '../config.ts';
import type { ErrorCode } from '../errors.ts';
import type { Violation } from '../observe/metrics.ts';
import type { Observer } from '../observe/observer.ts';
import { bearerToken, tokenMatches } from './access.ts';
import { abortHandshake, sendError } from './error-response.ts';
import type { ConnectionLimiter } from './limits.ts';

/** The path of a request URL, without its query string (which may hold a token: never logged). */
export const pathOf = (url: string | undefined): string => {
  const q = (url ?? '/').indexOf('?');
  return q === -1 ? (url ?? '/') : (url ?? '/').slice(0, q);
};

/**
 * Checks made on every request and upgrade before Koa or ws sees it: connection caps, header
 * count, the publish token, and the `/metrics` endpoint. Refusals use the same JSON error body
 * as the app and are counted and logged as violations (path and IP only).
 */
export interface FrontDoor {
  /** True when the request was answered here. */
  request(req: IncomingMessage, res: ServerResponse): boolean;
  /** True when the upgrade was refused here (the socket has been answered and closed). */
  upgrade(req: IncomingMessage, socket: Duplex): boolean;
}

export function createFrontDoor(config: Config, limiter: ConnectionLimiter, observer: Observer): FrontDoor {
  const { metrics } = observer;

  /** Why this request may not go on, if it may not. */
  const refusal = (req: IncomingMessage): { code: ErrorCode; kind: Violation } | undefined => {
    if (limiter.refused(req.socket as Socket)) return { code: 'TOO_MANY_CONNECTIONS', kind: 'too_many_connections' };
    if (req.rawHeaders.length / 2 > config.maxHeaderCount)
      return { code: 'HEADERS_TOO_LARGE', kind: 'too_many_headers' };
    return undefined;
  };

  const violation = (kind: Violation, req: IncomingMessage) =>
    observer.violation(kind, { ip: req.socket.remoteAddress, path: pathOf(req.url) });

  return {
    request(req, res) {
      const refused = refusal(req);
      if (refused) {
        violation(refused.kind, req);
        sendError(res, refused.code, {
          close: true,
          ...(refused.code === 'TOO_MANY_CONNECTIONS' ? { headers: { 'Retry-After': '1' } } : {}),
        });
        return true;
      }
      const path = pathOf(req.url);
      if (req.method === 'POST' && path === '/api/messages' && config.publishToken !== '') {
        if (!tokenMatches(bearerToken(req.headers.authorization), config.publishToken)) {
          violation('unauthorized', req);
          sendError(res, 'UNAUTHORIZED', { headers: { 'WWW-Authenticate': 'Bearer' } });
          return true;
        }
      }
      if (req.method === 'GET' && path === '/metrics') {
        metrics.render().then(
          ({ body, contentType }) => {
            res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
            res.end(body);
          },
          () => sendError(res, 'INTERNAL'),
        );
        return true;
      }
      return false;
    },
    upgrade(req, socket) {
      const refused = refusal(req);
      if (!refused) return false;
      violation(refused.kind, req);
      abortHandshake(
        socket,
        refused.code,
        undefined,
        refused.code === 'TOO_MANY_CONNECTIONS' ? { 'Retry-After': '1' } : {},
      );
      return true;
    },
  };
}
