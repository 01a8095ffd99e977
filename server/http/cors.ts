import type { Middleware } from 'koa';
import { hostName } from './host.ts';
import { parseOrigin } from './origin.ts';

/**
 * The read routes a dashboard tab may call on another of this server's loopback names. A
 * browser allows six HTTP/1.1 connections per host, and each tab holds two (its SSE stream and
 * its long-poll) for as long as it is open, so a third tab on the same host would stall; the
 * page therefore opens its lanes on a name of its own (`<tab>.localhost`), which the browser
 * counts as another host ("domain sharding", what HTTP/2 made unnecessary). Those requests are
 * cross-origin, so their answers must allow the page's origin.
 */
const READ_PATHS: ReadonlySet<string> = new Set(['/api/poll', '/api/long-poll', '/api/sse']);

/** Whether a host name (no port, no brackets) is this machine by definition. */
function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost') || name === '127.0.0.1' || name === '::1';
}

/** The port of a `Host` value or an origin's host part; '' when none is written. */
function portOf(host: string): string {
  const m = /:(\d+)$/.exec(host.trim());
  return m?.[1] ?? '';
}

/**
 * Whether `origin` is this server under another loopback name: both the Origin's host and the
 * request's Host are loopback names, on the same port.
 * Nothing else is allowed: not another port (another local program), not a LAN name.
 */
export function ownAliasOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host) return false;
  const url = parseOrigin(origin);
  if (!url) return false;
  const originName = url.hostname.replace(/^\[|\]$/g, '');
  return isLoopbackName(originName) && isLoopbackName(hostName(host)) && url.port === portOf(host);
}

/**
 * `Access-Control-Allow-Origin: <origin>` (and `Access-Control-Expose-Headers:
 * X-Pushrace-Instance`, so the page can read it) on the GET read routes, for a page of this same
 * server under another loopback name (see READ_PATHS). Reads carry no credentials and need no
 * token; publishing, the control routes and upgrades keep their own Origin and token checks.
 * Same-origin requests carry no Origin on GET, so their bytes are unchanged.
 */
export function allowOwnAliases(): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'GET' && READ_PATHS.has(ctx.path)) {
      const origin = ctx.get('Origin');
      if (ownAliasOrigin(origin, ctx.get('Host'))) {
        ctx.set('Access-Control-Allow-Origin', origin);
        // The page shows which instance served each request (several behind a load balancer).
        ctx.set('Access-Control-Expose-Headers', 'X-Pushrace-Instance');
      }
    }
    await next();
  };
}
