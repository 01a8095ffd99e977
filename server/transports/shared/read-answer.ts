import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import { NO_BUFFERING } from './no-buffering.ts';

/**
 * What a poll or long-poll request is answered with: a JSON body (200), or nothing (204).
 * Built by the transport once, and written either by Koa (`answerKoa`) or straight to the
 * response (`answerRaw`, the fast path): both put the same headers in the same order, so the
 * bytes on the wire are the same whichever path served the request.
 */
export type ReadAnswer = { status: 200; body: Buffer | string } | { status: 204 };

/** The answer's `Content-Type`, as Koa writes `ctx.type = 'application/json'`. */
const JSON_TYPE = 'application/json; charset=utf-8';

/** Sets the headers every read answer carries before its body is known (Koa: `noBuffering`). */
export function rawNoBuffering(res: ServerResponse): void {
  for (const name in NO_BUFFERING) res.setHeader(name, NO_BUFFERING[name] ?? '');
}

/** Hands `answer` to Koa, which writes it when the middleware chain unwinds. */
export function answerKoa(ctx: Context, answer: ReadAnswer): void {
  if (answer.status === 204) {
    ctx.status = 204;
    return;
  }
  ctx.type = 'application/json';
  ctx.body = answer.body;
}

/** Writes `answer` as Koa would have: same status line, headers in the same order, same body. */
export function answerRaw(res: ServerResponse, answer: ReadAnswer): void {
  if (answer.status === 204) {
    res.statusCode = 204;
    res.end();
    return;
  }
  const { body } = answer;
  res.statusCode = 200;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  res.end(body);
}
