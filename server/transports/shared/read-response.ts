import { messageJson } from '../../feed/encode.ts';
import type { ReadResult } from '../../feed/feed.ts';

/** Bodies already built, per read result (results shared by coalesced reads share the bytes). */
const bodies = new WeakMap<ReadResult, Buffer>();

/**
 * The JSON body of a poll or long-poll answer, built from each message's cached JSON so a
 * message is serialized once however many clients poll it.
 */
export function readResponseBody(r: ReadResult): string {
  const reset = r.reset ? ',"reset":true' : '';
  return `{"epoch":${JSON.stringify(r.epoch)},"cursor":${r.cursor},"messages":[${r.messages.map(messageJson).join(',')}]${reset}}`;
}

/**
 * `readResponseBody(r)` as UTF-8 bytes, built once per result: every request answered with
 * the same result (see `SharedReads`) is sent the same buffer, and a Buffer body is handed to
 * the socket as it is (a string body would be encoded again, head and all, on every answer).
 * Same bytes on the wire as the string.
 */
export function readResponseBytes(r: ReadResult): Buffer {
  let body = bodies.get(r);
  if (body === undefined) {
    body = Buffer.from(readResponseBody(r));
    bodies.set(r, body);
  }
  return body;
}
