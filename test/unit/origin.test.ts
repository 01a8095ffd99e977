import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { originAllowed } from '../../server/http/origin.ts';

describe('originAllowed', () => {
  const host = 'demo.example:3000';
  const cases: Array<[string | undefined, boolean, string]> = [
    [undefined, true, 'no Origin: not a browser'],
    ['http://localhost:5173', true, 'localhost on any port'],
    ['http://127.0.0.1:3000', true, 'loopback v4'],
    ['http://[::1]:3000', true, 'loopback v6'],
    ['http://demo.example:3000', true, 'the server’s own origin'],
    ['https://allowed.example', true, 'configured'],
    ['https://evil.example', false, 'foreign'],
    ['http://demo.example:3001', false, 'same host, other port'],
    ['null', false, 'opaque origin'],
    ['http://localhost.evil.example', false, 'lookalike'],
    ['http://localhost:3000/path', false, 'not an origin'],
    ['ftp://localhost', false, 'not http'],
  ];
  for (const [origin, want, why] of cases) {
    it(`${want ? 'allows' : 'refuses'} ${origin} (${why})`, () => {
      assert.equal(originAllowed(origin, host, ['https://allowed.example']), want);
    });
  }
});
