import { messageJson } from '../../feed/encode.ts';
import type { ReadResult } from '../../feed/feed.ts';

/** Bodies already built, per read result (results shared by coalesced reads share the bytes). */
const bodies = new WeakMap<ReadResult, Buffer>();

/**
 * The JSON body of a poll or long-poll answer, built from each message's cached JSON so a
 * message is serialized once however many clients poll it.
 */
export function readResponseBody(r: ReadResult): string {
  if (r.epoch !== epochOf.epoch) {
    epochOf.epoch = r.epoch;
    epochOf.head = `{"epoch":${JSON.stringify(r.epoch)},"cursor":`;
  }
  let messages = '';
  for (let i = 0; i < r.messages.length; i++) {
    const m = r.messages[i];
    if (m !== undefined) messages += i === 0 ? messageJson(m) : `,${messageJson(m)}`;
  }
  const reset = r.reset ? ',"reset":true' : '';
  return `${epochOf.head}${r.cursor},"messages":[${messages}]${reset}}`;
}

/**
 * The start of the latest body, up to its cursor: a feed answers every read with the same
 * epoch (until it loses its history), so its JSON is built once, not once per poll.
 */
const epochOf = { epoch: '', head: '{"epoch":"","cursor":' };

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
