/**
 * Base64 (RFC 4648, padded) without Node's Buffer, so the same code runs in the browser: the
 * HTTP transports carry a binary message's bytes this way, and the page checks that every
 * transport delivered the same bytes.
 */

/** Bytes per `String.fromCharCode` call: far below any engine's argument limit. */
const CHUNK = 0x2000;

/** `bytes` in base64. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** The bytes of a base64 string (throws on one that is not). */
export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
