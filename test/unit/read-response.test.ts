/**
 * A poll or long-poll answer body, built from each message's cached JSON and the epoch's
 * remembered prefix: always exactly `JSON.stringify` of the answer, whichever epoch came before.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeedMessage } from '../../protocol/wire.ts';
import type { ReadResult } from '../../server/feed/feed.ts';
import { readResponseBody, readResponseBytes } from '../../server/transports/shared/read-response.ts';

const msg = (seq: number, body: unknown): FeedMessage => ({ seq, ts: 1_700_000_000_000 + seq, source: 'chat', body });

/** The body as plain JSON.stringify would write it (`reset` only when true). */
function expected(r: ReadResult): string {
  const { epoch, cursor, messages, reset } = r;
  return JSON.stringify(reset ? { epoch, cursor, messages, reset } : { epoch, cursor, messages });
}

describe('readResponseBody', () => {
  const results: ReadResult[] = [
    { epoch: 'Xk3_a9Qz', cursor: 0, messages: [], reset: false },
    { epoch: 'Xk3_a9Qz', cursor: 2, messages: [msg(1, 'one'), msg(2, { n: 2, s: 'é"\\' })], reset: false },
    { epoch: 'other"epoch', cursor: 3, messages: [msg(3, null)], reset: true },
    { epoch: '', cursor: 7, messages: [], reset: true },
    { epoch: 'Xk3_a9Qz', cursor: 9, messages: [msg(8, [1, 2]), msg(9, 'x'), msg(10, 'y')], reset: false },
  ];

  it('is JSON.stringify of the answer, epoch after epoch, in any order', () => {
    for (const r of [...results, ...results.toReversed(), ...results]) {
      assert.equal(readResponseBody(r), expected(r));
      assert.deepEqual(JSON.parse(readResponseBody(r)), JSON.parse(expected(r)));
    }
  });

  it('as bytes: the same text in UTF-8, built once per result', () => {
    for (const r of results) {
      const bytes = readResponseBytes(r);
      assert.equal(bytes.toString('utf8'), expected(r));
      assert.equal(readResponseBytes(r), bytes);
    }
  });
});
