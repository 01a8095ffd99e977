import { messageJson } from '../feed/encode.ts';
import type { ReadResult } from '../feed/feed.ts';

/**
 * The JSON body of a poll or long-poll answer, built from each message's cached JSON so a
 * message is serialized once however many clients poll it.
 */
export function readResponseBody(r: ReadResult): string {
  const reset = r.reset ? ',"reset":true' : '';
  return `{"epoch":${JSON.stringify(r.epoch)},"cursor":${r.cursor},"messages":[${r.messages.map(messageJson).join(',')}]${reset}}`;
}
