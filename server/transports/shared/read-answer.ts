import type { Context } from 'koa';

/**
 * What a poll or long-poll request is answered with: a JSON body (200), or nothing (204).
 * Built by the transport once, and written either by Koa (`answerKoa`) or straight to the
 * response (`FastReply.answer`, the fast path, see fast-get.ts): both put the same headers in
 * the same order, so the bytes on the wire are the same whichever path served the request.
 */
export type ReadAnswer = { status: 200; body: Buffer | string } | { status: 204 };

/** The answer's `Content-Type`, as Koa writes `ctx.type = 'application/json'`. */
export const JSON_TYPE = 'application/json; charset=utf-8';

/** Hands `answer` to Koa, which writes it when the middleware chain unwinds. */
export function answerKoa(ctx: Context, answer: ReadAnswer): void {
  if (answer.status === 204) {
    ctx.status = 204;
    return;
  }
  ctx.type = 'application/json';
  ctx.body = answer.body;
}
