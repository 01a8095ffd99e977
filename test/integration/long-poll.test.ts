import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ReadResponse } from '../../protocol/wire.ts';
import type { RunningServer } from '../../server/server.ts';
import { publish, startTestServer, waitFor } from '../support/server.ts';

describe('long-poll transport', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  const get = async (q: string, signal?: AbortSignal) => {
    const res = await fetch(`${s.url}/api/long-poll${q}`, { signal });
    return { status: res.status, text: await res.text() };
  };

  it('answers at once when a message already exists after the cursor', async () => {
    await publish(s.url, 'already here');
    const r = await get('?after=0&timeout=60000');
    assert.equal(r.status, 200);
    const body = JSON.parse(r.text) as ReadResponse;
    assert.deepEqual(
      body.messages.map((m) => m.body),
      ['already here'],
    );
  });

  it('holds the request until a message is published, then answers with it', async () => {
    const head = s.feed.head;
    const pending = get(`?after=${head}&epoch=${s.feed.epoch}&timeout=10000`);
    await waitFor(() => s.stats.transports['long-poll'].held === 1, 20_000, 'the request to be held');
    await publish(s.url, 'wake up');
    const r = await pending;
    assert.equal(r.status, 200);
    const body = JSON.parse(r.text) as ReadResponse;
    assert.deepEqual(
      body.messages.map((m) => [m.seq, m.body]),
      [[head + 1, 'wake up']],
    );
    assert.equal(s.stats.transports['long-poll'].held, 0);
    assert.equal(s.feed.subscribers, 0);
  });

  it('answers 204 with no body when the timeout passes, and counts it', async () => {
    const before = s.stats.transports['long-poll'].timeouts;
    const started = performance.now();
    const r = await get(`?after=${s.feed.head}&timeout=150`);
    const took = performance.now() - started;
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.ok(took >= 140, `answered after ${took} ms`);
    assert.equal(s.stats.transports['long-poll'].timeouts, before + 1);
    assert.equal(s.feed.subscribers, 0);
  });

  it('answers at once with the head cursor when after is absent, so the next ask can be held', async () => {
    const r = await get('?timeout=60000');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { epoch: s.feed.epoch, cursor: s.feed.head, messages: [] });
  });

  it('timeout=0 answers at once', async () => {
    const r = await get(`?after=${s.feed.head}&timeout=0`);
    assert.equal(r.status, 204);
  });

  it('releases the wait, its listener and its timer at once when the client goes away', async () => {
    const controllers = Array.from({ length: 20 }, () => new AbortController());
    const pending = controllers.map((c) =>
      get(`?after=${s.feed.head}&timeout=60000`, c.signal).catch((e: Error) => e.name),
    );
    await waitFor(() => s.stats.transports['long-poll'].held === 20, 20_000, '20 held requests');
    assert.equal(s.feed.subscribers, 1, 'one subscription shared by every held request');
    for (const c of controllers) c.abort();
    assert.deepEqual(new Set(await Promise.all(pending)), new Set(['AbortError']));
    await waitFor(
      () => s.stats.transports['long-poll'].held === 0 && s.feed.subscribers === 0,
      3000,
      'waiters released',
    );
  });

  it('does not miss a message published in the same tick as the request arrives', async () => {
    for (let i = 0; i < 20; i++) {
      const head = s.feed.head;
      const pending = get(`?after=${head}&timeout=5000`);
      // Race the publish against the request's read: whichever order, the answer is the message.
      await publish(s.url, `race ${i}`);
      const r = await pending;
      assert.equal(r.status, 200);
      assert.equal((JSON.parse(r.text) as ReadResponse).messages[0]?.seq, head + 1);
    }
  });

  it('a message published while no long-poll was open is seen by the next one at once', async () => {
    // The same read twice, with a publish in between made while nobody listened: the second
    // read must not reuse the first one's (shared) result.
    const head = s.feed.head;
    assert.equal((await get(`?after=${head}&epoch=${s.feed.epoch}&timeout=0`)).status, 204);
    assert.equal(s.feed.subscribers, 0);
    await s.feed.publish({ source: 'chat', body: 'while nobody listened' });
    const started = performance.now();
    const r = await get(`?after=${head}&epoch=${s.feed.epoch}&timeout=30000`);
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.text) as ReadResponse).messages[0]?.seq, head + 1);
    // Held, it would answer after 30 s (and with a 204): far from any scheduling delay.
    assert.ok(performance.now() - started < 15_000, 'answered at once, not held');
  });

  it('requests woken by one publish share one read and get the same answer', async () => {
    const head = s.feed.head;
    const pending = Array.from({ length: 5 }, () => get(`?after=${head}&epoch=${s.feed.epoch}&timeout=10000`));
    await waitFor(() => s.stats.transports['long-poll'].held === 5, 20_000, '5 held requests');
    await publish(s.url, 'for everyone');
    const answers = await Promise.all(pending);
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
    assert.equal(new Set(answers.map((a) => a.text)).size, 1);
    assert.equal((JSON.parse(answers[0]?.text ?? '{}') as ReadResponse).messages[0]?.seq, head + 1);
  });

  it('answers held requests with 204 when the server closes', async () => {
    const other = await startTestServer();
    const status = new Promise<number>((resolve, reject) => {
      request(`${other.url}/api/long-poll?after=0&timeout=60000`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    await waitFor(() => other.stats.transports['long-poll'].held === 1);
    await other.close();
    assert.equal(await status, 204);
  });
});
