/**
 * Reading one HTTP/1 head the way Node 20's parser does: its lines, the five header fields the
 * framers need, and the refusals (bare CR, control characters, bad or repeated lengths) that
 * make Node answer 400. Pure functions over text; the framers (http-framer.ts) find the heads
 * in the byte stream and call these.
 */

const LF = 0x0a;
const CR = 0x0d;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// What Node 20's parser accepts: visible ASCII targets; versions 0.9, 1.0, 1.1 and 2.0.
export const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +([\x21-\x7e]+) +HTTP\/(?:0\.9|1\.[01]|2\.0)$/;
export const STATUS_LINE = /^HTTP\/1\.[01] ([0-9]{3})(?: .*)?$/;
const DIGITS = /^[0-9]+$/;
/** Lengths of content-length, transfer-encoding, connection, upgrade, content-type. */
const INTERESTING_LENGTHS = new Set([14, 17, 10, 7, 12]);

/** The header fields the framers need, from one head. */
export interface Fields {
  contentLength: number | undefined;
  transferEncoding: string | undefined;
  connection: string;
  upgrade: boolean;
  contentType: string | undefined;
}

/** True when `line` holds a control character other than HTAB, which Node refuses in a field (obs-text is fine). */
function hasControl(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/**
 * Splits a head into lines without terminators, leading empty lines dropped; null when a line
 * holds a bare CR (the scanner already refused bare LFs), as Node's parser refuses it.
 */
export function headLines(head: string): string[] | null {
  const lines = head.split('\r\n');
  let first = 0;
  while (lines[first] === '') first++;
  const out: string[] = [];
  for (let i = first; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') break;
    if (line.includes('\r')) return null;
    out.push(line);
  }
  return out;
}

/**
 * Reads the header fields of `lines[1..]`; null when one is malformed and Node would answer 400
 * (no colon, a name that is no token or ends in whitespace, obs-fold, a bad or repeated length).
 */
export function parseFields(lines: readonly string[]): Fields | null {
  const fields: Fields = {
    contentLength: undefined,
    transferEncoding: undefined,
    connection: '',
    upgrade: false,
    contentType: undefined,
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name) || hasControl(line)) return null;
    // Only five names matter; their lengths rule out most other fields without lowercasing.
    if (!INTERESTING_LENGTHS.has(colon)) continue;
    const value = line.slice(colon + 1).trim();
    switch (name.toLowerCase()) {
      case 'content-length': {
        if (!DIGITS.test(value)) return null;
        const n = Number(value);
        // Node refuses a repeated Content-Length even when the values agree.
        if (!Number.isSafeInteger(n) || fields.contentLength !== undefined) return null;
        fields.contentLength = n;
        break;
      }
      case 'transfer-encoding':
        fields.transferEncoding = fields.transferEncoding === undefined ? value : `${fields.transferEncoding},${value}`;
        break;
      case 'connection':
        fields.connection += `,${value}`;
        break;
      case 'upgrade':
        fields.upgrade = true;
        break;
      case 'content-type':
        fields.contentType = value;
        break;
    }
  }
  return fields;
}

/** True when the last transfer coding is `chunked` (RFC 9112 §6.3). */
export const isChunked = (te: string): boolean => (te.split(',').pop() ?? '').trim().toLowerCase() === 'chunked';

/** True when the comma-separated `list` holds `token` (case-insensitive). */
export const hasToken = (list: string, token: string): boolean =>
  list.split(',').some((t) => t.trim().toLowerCase() === token);

/** The path of a request target: query dropped, scheme and authority dropped from absolute-form. */
export function targetPath(target: string): string {
  let path = target;
  if (!path.startsWith('/')) {
    const scheme = path.indexOf('://');
    if (scheme !== -1) {
      const slash = path.indexOf('/', scheme + 3);
      path = slash === -1 ? '/' : path.slice(slash);
    }
  }
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

/** A head's text without the empty lines that may precede it: what the inspector shows. */
export function withoutLeadingEmptyLines(text: string): string {
  let start = 0;
  while (text.charCodeAt(start) === CR && text.charCodeAt(start + 1) === LF) start += 2;
  return start === 0 ? text : text.slice(start);
}
