import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReadResponse } from '../../protocol/wire.ts';
import type { RunningServer } from '../../server/server.ts';
import { publish, startTestServer } from '../support/server.ts';

describe('poll transport', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({ historySize: 5 });
  });
  after(() => s.close());

  const get = async (q: string) => {
    const res = await fetch(`${s.url}/api/poll${q}`);
    return { status: res.status, headers: res.headers, body: (await res.json()) as ReadResponse };
  };

  it('answers at once, empty, live from now when after is absent', async () => {
    const r = await get('');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { epoch: s.feed.epoch, cursor: 0, messages: [] });
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });

  it('the same query string answers the same way every time: good ones remembered, bad ones refused again', async () => {
    const q = `?after=0&epoch=${s.feed.epoch}&limit=1`;
    assert.deepEqual((await get(q)).body, (await get(q)).body);
    for (const bad of ['?after=1&after=2', '?after=x', '?limit=0']) {
      const codes = [];
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${s.url}/api/poll${bad}`);
        codes.push(res.status, ((await res.json()) as { error: { code: string } }).error.code);
      }
      assert.equal(codes[0], 400, bad);
      assert.deepEqual(codes.slice(2), codes.slice(0, 2), bad);
    }
  });

  it('returns what is after the cursor, in order, with the cursor of the last one', async () => {
    await publish(s.url, 'one');
    await publish(s.url, 'two');
    const r = await get(`?after=0&epoch=${s.feed.epoch}`);
    assert.deepEqual(
      r.body.messages.map((m) => [m.seq, m.body, m.source]),
      [
        [1, 'one', 'chat'],
        [2, 'two', 'chat'],
      ],
    );
    assert.equal(r.body.cursor, 2);
    assert.equal(r.body.reset, undefined);
    const again = await get(`?after=2&epoch=${s.feed.epoch}`);
    assert.deepEqual(again.body, { epoch: s.feed.epoch, cursor: 2, messages: [] });
  });

  it('honours limit', async () => {
    const r = await get('?after=0&limit=1');
    assert.deepEqual(
      r.body.messages.map((m) => m.seq),
      [1],
    );
    assert.equal(r.body.cursor, 1);
  });

  it('says reset for a foreign epoch, an evicted cursor and a cursor ahead of the head', async () => {
    for (let i = 0; i < 6; i++) await publish(s.url, `fill ${i}`);
    const head = s.feed.head; // 8, retained 4..8
    for (const q of [`?after=${head}&epoch=someoneelse`, '?after=1', `?after=${head + 5}`]) {
      const r = await get(q);
      assert.equal(r.body.reset, true, q);
      assert.equal(r.body.messages[0]?.seq, head - 4, q);
      assert.equal(r.body.cursor, head, q);
    }
  });

  it('counts requests, empty answers and deliveries', async () => {
    const before = s.stats.counts().transports.poll;
    await get(`?after=${s.feed.head}`);
    await get(`?after=${s.feed.head - 1}`);
    const now = s.stats.counts().transports.poll;
    assert.equal(now.requests - before.requests, 2);
    assert.equal(now.emptyResponses - before.emptyResponses, 1);
    assert.equal(now.delivered - before.delivered, 1);
  });
});
