import { createHash, timingSafeEqual } from 'node:crypto';

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
