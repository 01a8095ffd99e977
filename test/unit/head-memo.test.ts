import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeadMemo } from '../../server/metering/head-memo.ts';

describe('HeadMemo', () => {
  it('remembers ordinary heads, never huge ones (a client must not pin 64 KiB heads)', () => {
    const memo = new HeadMemo<number>();
    const head = 'GET /api/poll?after=1 HTTP/1.1\r\nHost: x\r\n\r\n';
    memo.set(head, 1);
    assert.equal(memo.get(head), 1);
    const huge = `GET / HTTP/1.1\r\nX-Pad: ${'a'.repeat(8000)}\r\n\r\n`;
    memo.set(huge, 2);
    assert.equal(memo.get(huge), undefined);
  });
});
