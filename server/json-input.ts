/**
 * Untrusted JSON text in: an HTTP body or a WebSocket frame, parsed into a result instead of
 * an exception, so a flood of bad input costs a branch per item rather than an Error with a
 * stack each. Nesting is bounded before parsing: `JSON.parse` itself copes with deep input,
 * but everything that walks the value afterwards (validation, serialization) recurses, and a
 * few KB of brackets would otherwise overflow the stack mid-request.
 */

/** What came of the text: the value, or why there is none (a sentence for the client). */
export type JsonInput = { ok: true; value: unknown } | { ok: false; reason: string };

/** Whether objects and arrays nest deeper than `max` (brackets inside strings do not count). */
function tooDeep(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** `text` as JSON, at most `maxDepth` objects and arrays deep. */
export function parseJsonInput(text: string, maxDepth: number): JsonInput {
  if (tooDeep(text, maxDepth)) return { ok: false, reason: `JSON nested deeper than ${maxDepth} levels` };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `bytes` as UTF-8 text, or undefined when they are not valid UTF-8 (never replaced silently). */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
