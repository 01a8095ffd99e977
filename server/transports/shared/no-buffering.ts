import type { Context } from 'koa';

/**
 * Headers on every polling and streaming answer: nothing may be cached (a cached poll answer
 * would replay an old cursor) and nginx-style proxies must not buffer (a buffered stream or
 * held answer reaches the client late, all at once).
 */
export const NO_BUFFERING: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Accel-Buffering': 'no',
};

/** Sets `NO_BUFFERING` on a Koa answer. */
export function noBuffering(ctx: Context): void {
  ctx.set(NO_BUFFERING);
}
