import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A GET route served before Koa: given the request's query string, it either takes the
 * request (true: it answers it, byte for byte as its Koa route would) or declines it (false,
 * having written nothing) and Koa serves it as usual. Only the polling transports have one:
 * they are answered a thousand times a second, and Koa's context, middleware chain and
 * router cost as much as the answer itself. A route that took a request and then fails
 * before writing anything (the feed's read rejected) calls `viaKoa(req, res)`: Koa serves the request
 * from the start, so every error is answered by the app's one error handler, as before.
 */
export type FastGet = (req: IncomingMessage, res: ServerResponse, querystring: string, viaKoa: Handler) => boolean;

/** A plain request handler: Koa's `app.callback()`, for what the fast path hands back. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Query strings the fast path takes: what Koa's `ctx.querystring` returns unchanged (no
 * character that `parseurl` would hand to `url.parse`, which escapes some). Anything else
 * goes through Koa.
 */
const PLAIN_QUERY = /^[\w.~,%=&-]*$/;

/** The fast GET routes of an app, by exact path. */
export class FastGets {
  readonly #routes = new Map<string, FastGet>();

  add(path: string, route: FastGet): void {
    this.#routes.set(path, route);
  }

  /**
   * Serves `req` if a fast route takes it. What Koa's own middleware would have done before
   * the route is done here, in the same order (`X-Content-Type-Options`); a request that any
   * middleware would treat differently is left to Koa: not a GET, or with an `Origin` (the
   * CORS middleware answers those), or a path or query in any but the plain form.
   */
  serve(req: IncomingMessage, res: ServerResponse, viaKoa: Handler): boolean {
    if (this.#routes.size === 0 || req.method !== 'GET' || req.headers.origin !== undefined) return false;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = this.#routes.get(q === -1 ? url : url.slice(0, q));
    if (route === undefined) return false;
    const querystring = q === -1 ? '' : url.slice(q + 1);
    if (!PLAIN_QUERY.test(querystring)) return false;
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (route(req, res, querystring, viaKoa)) return true;
    res.removeHeader('X-Content-Type-Options');
    return false;
  }
}
