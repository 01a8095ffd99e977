import type { Context } from 'koa';

/**
 * Headers on every polling and streaming answer: nothing may be cached (a cached poll answer
 * would replay an old cursor) and nginx-style proxies must not buffer (a buffered stream or
 * held answer reaches the client late, all at once).
 */
export function noBuffering(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('X-Accel-Buffering', 'no');
}
