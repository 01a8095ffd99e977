/**
 * What the wire inspector must never show, even to the client it belongs to: credentials. The
 * inspector answers a page's own connections only, but a page is not the only thing that may
 * read its answers (an extension, a screen shared with a class, a screenshot in a bug report),
 * so tokens, cookies and authorization headers are replaced before anything is stored or sent.
 * The byte counts next to the text stay those of the real bytes.
 */

export const REDACTED = '[redacted]';

/** Header fields whose values are credentials (lower case). */
const SECRET_FIELDS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
/** A `token` query parameter in a request target. */
const TOKEN_PARAM = /([?&]token=)[^&\s#]*/gi;
/** A `"token": "…"` member of a JSON text, possibly cut short by the preview. */
const TOKEN_MEMBER = /("token"\s*:\s*")(?:[^"\\]|\\.)*("?)/g;

/** A request or response head with credential values replaced. */
export function redactHead(text: string): string {
  const lines = text.split('\r\n');
  if (lines[0] !== undefined) lines[0] = lines[0].replace(TOKEN_PARAM, `$1${REDACTED}`);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const colon = line.indexOf(':');
    if (colon > 0 && SECRET_FIELDS.has(line.slice(0, colon).trim().toLowerCase())) {
      lines[i] = `${line.slice(0, colon)}: ${REDACTED}`;
    }
  }
  return lines.join('\r\n');
}

/** A frame's preview text with any token member replaced (an `auth` frame, a token in a body). */
export function redactPreview(text: string): string {
  return text.includes('"token"') ? text.replace(TOKEN_MEMBER, `$1${REDACTED}$2`) : text;
}
