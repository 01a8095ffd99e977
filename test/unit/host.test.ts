/**
 * The Host check (DNS rebinding) and its one-entry memo: the memo must answer exactly what the
 * check answers, whatever order the headers come in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostAllowed, hostCheck } from '../../server/http/host.ts';

const ALLOWED = ['feed.example', '0.0.0.0'];
const HEADERS = [
  '127.0.0.1:8080',
  'feed.example',
  'FEED.example:443',
  'evil.example',
  'evil.example',
  'localhost:3000',
  '[::1]:80',
  '',
  ' feed.example ',
  'a.localhost',
  'evil.example:80',
  'feed.example',
  'evil.example',
];

describe('hostCheck', () => {
  it('answers as hostAllowed does, header after header, repeated or not', () => {
    const check = hostCheck(ALLOWED);
    for (const header of [...HEADERS, ...HEADERS.toReversed()]) {
      assert.equal(check(header), hostAllowed(header, ALLOWED), JSON.stringify(header));
    }
  });

  it('lets a request without Host through, and does not let it stand for the last header', () => {
    const check = hostCheck(ALLOWED);
    assert.equal(check('evil.example'), false);
    assert.equal(check(undefined), true);
    assert.equal(check('evil.example'), false);
  });
});
