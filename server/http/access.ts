import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The routes that act on the server or show a client's own traffic: publishing, the control
 * routes (settings, burst, clearing stats) and the wire inspector. With a token configured,
 * each needs it (`Authorization: Bearer`), whatever the Origin: curl sends none, and a token is
 * what tells an operator from anyone who can reach the port. Reading the feed stays public.
 */
const PROTECTED = new Set([
  'POST /api/messages',
  'PUT /api/settings',
  'POST /api/burst',
  'POST /api/stats/clear',
  'GET /api/inspect',
]);

/** Whether `method path` needs the token when one is configured. */
export function needsToken(method: string | undefined, path: string): boolean {
  return PROTECTED.has(`${method} ${path}`);
}

/**
 * The optional publish token (`PUBLISH_TOKEN`). Reading the feed is public; publishing needs
 * the token when one is configured. Compared in constant time (over SHA-256 digests, so the
 * length leaks nothing either). The token itself is never logged or echoed.
 */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (expected === '') return true;
  if (given === undefined || given === '') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it is. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return m?.[1];
}
