import { isIP } from 'node:net';

/**
 * The Host check against DNS rebinding. A page on an attacker's domain can make its name
 * resolve to this server (or to 127.0.0.1) after it loaded; the browser then treats the server
 * as the page's own origin and sends the attacker's name in `Host` and `Origin`, which the
 * Origin check alone would take for same-origin. Rebinding needs a name the attacker controls,
 * so requests addressed to an IP literal or to localhost are always answered, and any other
 * name only when it is configured (`ALLOWED_HOSTS`, or the name the server was bound to).
 */

/** The host name of a `Host` header value: brackets and port removed, lower case. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(1, end);
  }
  const colon = h.lastIndexOf(':');
  return colon !== -1 && h.indexOf(':') === colon && /^\d*$/.test(h.slice(colon + 1)) ? h.slice(0, colon) : h;
}

/**
 * Whether a request sent with this `Host` may be answered. `undefined` (no Host at all, an
 * HTTP/1.0 client, which no browser is) is allowed: it names nothing to rebind.
 */
export function hostAllowed(header: string | undefined, allowed: readonly string[]): boolean {
  if (header === undefined) return true;
  const name = hostName(header);
  if (name === '') return false;
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return allowed.includes(name);
}

/**
 * `hostAllowed` against a fixed list, remembering the latest answer: a server's clients send
 * the same `Host` on request after request, and the check (trim, lower case, port split, IP
 * parse) then costs one string comparison. Exact: the answer is a pure function of the header
 * text and the list, and only an identical text reuses it.
 */
export function hostCheck(allowed: readonly string[]): (header: string | undefined) => boolean {
  let last: string | undefined;
  let lastAllowed = true;
  return (header) => {
    if (header === undefined) return true;
    if (header !== last) {
      lastAllowed = hostAllowed(header, allowed);
      last = header;
    }
    return lastAllowed;
  };
}
