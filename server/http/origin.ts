/** Hostnames that are this machine: a page served from any of them may use the server. */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * An Origin header as a URL, when it is one a browser sends for a web page: http(s), written
 * exactly as `scheme://host[:port]`. Anything else (`null`, a path, another scheme) is undefined.
 */
export function parseOrigin(origin: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return `${url.protocol}//${url.host}` === origin ? url : undefined;
}

/**
 * The Origin allowlist, checked on WebSocket upgrades and on publishing (the two ways a
 * foreign page could act with a visitor's browser: cross-site WebSocket hijacking and
 * cross-site posting). No Origin header means no browser (curl, a Node client): allowed.
 * Allowed: localhost origins, the server's own origin (the Host the request was sent to),
 * and the configured list. `null` (sandboxed frames, file://) is refused.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined || origin === '') return true;
  if (allowed.includes(origin)) return true;
  const url = parseOrigin(origin);
  if (!url) return false;
  if (LOCAL_HOSTS.has(url.hostname)) return true;
  return host !== undefined && url.host === host.toLowerCase();
}
