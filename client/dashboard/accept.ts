/**
 * The Sec-WebSocket-Accept derivation of RFC 6455 §4.2.2, step by step, so the page can show
 * each step and compare its result with what the server sent. Pure apart from crypto.subtle,
 * which browsers (in a secure context) and Node 20 both have.
 */

/** The GUID every WebSocket server appends to the client's key. */
export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The value of header `name` (case-insensitive) in a raw HTTP head, or undefined. */
export function headerValue(head: string, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted) return line.slice(colon + 1).trim();
  }
  return undefined;
}

/** Every step of the derivation, for display. */
export interface AcceptSteps {
  key: string;
  concatenated: string;
  sha1Hex: string;
  accept: string;
}

const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** key + GUID → SHA-1 → base64. Rejects when crypto.subtle is missing (not a secure context). */
export async function deriveAccept(
  key: string,
  subtle: SubtleCrypto | null | undefined = globalThis.crypto?.subtle,
): Promise<AcceptSteps> {
  if (!subtle) throw new Error('crypto.subtle unavailable');
  const concatenated = key + WS_GUID;
  const digest = new Uint8Array(await subtle.digest('SHA-1', new TextEncoder().encode(concatenated)));
  return { key, concatenated, sha1Hex: toHex(digest), accept: toBase64(digest) };
}
