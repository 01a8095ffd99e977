import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PushraceError } from '../../server/errors.ts';
import { parseAfter, parseEpoch, parseLimit, parseTimeout } from '../../server/http/query.ts';

const code = (c: string) => (err: unknown) => err instanceof PushraceError && err.code === c;

describe('query', () => {
  describe('parseAfter', () => {
    it('accepts absent and non-negative integers', () => {
      assert.equal(parseAfter(undefined), undefined);
      assert.equal(parseAfter('0'), 0);
      assert.equal(parseAfter('42'), 42);
      assert.equal(parseAfter('9007199254740991'), Number.MAX_SAFE_INTEGER);
    });
    for (const bad of ['', '-1', '1.5', '1e3', '0x10', '+1', ' 1', 'abc', '9007199254740993', '12345678901234567']) {
      it(`refuses ${JSON.stringify(bad)} with BAD_CURSOR`, () =>
        assert.throws(() => parseAfter(bad), code('BAD_CURSOR')));
    }
    it('refuses a repeated after', () => assert.throws(() => parseAfter(['1', '2']), code('BAD_CURSOR')));
  });

  describe('parseEpoch', () => {
    it('accepts ids like the server makes', () => assert.equal(parseEpoch('aB3_-x'), 'aB3_-x'));
    for (const bad of ['', 'a b', 'x'.repeat(33), '<script>']) {
      it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => parseEpoch(bad), code('BAD_EPOCH')));
    }
  });

  describe('parseLimit', () => {
    it('defaults to the maximum', () => assert.equal(parseLimit(undefined, 100), 100));
    it('accepts 1..max', () => assert.equal(parseLimit('7', 100), 7));
    for (const bad of ['0', '101', '-1', '2.5', 'x']) {
      it(`refuses ${bad}`, () => assert.throws(() => parseLimit(bad, 100), code('BAD_LIMIT')));
    }
  });

  describe('parseTimeout', () => {
    it('defaults and accepts the 0..60000 range', () => {
      assert.equal(parseTimeout(undefined, 25_000, 60_000), 25_000);
      assert.equal(parseTimeout('0', 25_000, 60_000), 0);
      assert.equal(parseTimeout('60000', 25_000, 60_000), 60_000);
    });
    for (const bad of ['60001', '-5', '1.5', 'soon']) {
      it(`refuses ${bad}`, () => assert.throws(() => parseTimeout(bad, 25_000, 60_000), code('BAD_TIMEOUT')));
    }
  });
});
