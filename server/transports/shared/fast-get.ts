import type { IncomingMessage, ServerResponse } from 'node:http';
import { NO_BUFFERING } from './no-buffering.ts';
import { JSON_TYPE, type ReadAnswer } from './read-answer.ts';

/**
 * A GET route served before Koa: given the request's query string, it either takes the
 * request (true: it answers it through `reply`, byte for byte as its Koa route would) or
 * declines it (false, having written nothing) and Koa serves it as usual. Only the polling
 * transports have one: they are answered a thousand times a second, and Koa's context,
 * middleware chain and router cost as much as the answer itself. A route that took a request
 * and then fails before writing anything (the feed's read rejected) calls `reply.handBack`:
 * Koa serves the request from the start, so every error is answered by the app's one error
 * handler, as before.
 */
export type FastGet = (req: IncomingMessage, res: ServerResponse, querystring: string, reply: FastReply) => boolean;

/** A plain request handler: Koa's `app.callback()`, for what the fast path hands back. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** How a fast route answers, or gives up on, a request it took. */
export interface FastReply {
  /** Writes `answer`: the whole head in one `writeHead`, in the order Koa would have written it. */
  answer(res: ServerResponse, answer: ReadAnswer): void;
  /**
   * Hands the request to Koa with the headers it would have carried by now on the Koa path,
   * in the same order: the instance and `X-Content-Type-Options`, then `headers` (the ones the
   * route had set before it gave up), so even an error answer is the same bytes as before.
   */
  handBack(req: IncomingMessage, res: ServerResponse, headers?: Readonly<Record<string, string>>): void;
}

/**
 * Query strings the fast path takes: what Koa's `ctx.querystring` returns unchanged (no
 * character that `parseurl` would hand to `url.parse`, which escapes some). Anything else
 * goes through Koa.
 */
const PLAIN_QUERY = /^[\w.~,%=&-]*$/;

/** The fast GET routes of an app, by exact path. */
export class FastGets implements FastReply {
  readonly #routes = new Map<string, FastGet>();
  readonly #instance: string;
  /**
   * The head of a 204 read answer, as a `writeHead` array: what the server (the instance),
   * Koa's middleware (`nosniff`) and the route (`NO_BUFFERING`) would have set, in that order.
   * One array for every 204: Node reads it within `writeHead` and keeps nothing of it.
   */
  readonly #head204: string[];
  #viaKoa: Handler = () => {};

  /** `instance` is the server's `X-Pushrace-Instance`, the first header of every answer. */
  constructor(instance: string) {
    this.#instance = instance;
    const head = ['X-Pushrace-Instance', instance, 'X-Content-Type-Options', 'nosniff'];
    for (const name in NO_BUFFERING) head.push(name, NO_BUFFERING[name] ?? '');
    this.#head204 = head;
  }

  add(path: string, route: FastGet): void {
    this.#routes.set(path, route);
  }

  /**
   * Serves `req` if a fast route takes it, having set no header until it answers (a declined
   * request leaves the response untouched). A request that any middleware would treat
   * differently is left to Koa: not a GET, or with an `Origin` (the CORS middleware answers
   * those), or a path or query in any but the plain form. The front door must have admitted
   * the request already.
   */
  serve(req: IncomingMessage, res: ServerResponse, viaKoa: Handler): boolean {
    if (this.#routes.size === 0 || req.method !== 'GET' || req.headers.origin !== undefined) return false;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = this.#routes.get(q === -1 ? url : url.slice(0, q));
    if (route === undefined) return false;
    const querystring = q === -1 ? '' : url.slice(q + 1);
    if (!PLAIN_QUERY.test(querystring)) return false;
    this.#viaKoa = viaKoa;
    return route(req, res, querystring, this);
  }

  answer(res: ServerResponse, answer: ReadAnswer): void {
    const head = this.#head204;
    if (answer.status === 204) {
      res.writeHead(204, head);
      res.end();
      return;
    }
    const { body } = answer;
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    res.writeHead(200, [...head, 'Content-Type', JSON_TYPE, 'Content-Length', length]);
    res.end(body);
  }

  handBack(req: IncomingMessage, res: ServerResponse, headers?: Readonly<Record<string, string>>): void {
    res.setHeader('X-Pushrace-Instance', this.#instance);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (headers) for (const name in headers) res.setHeader(name, headers[name] ?? '');
    this.#viaKoa(req, res);
  }
}
