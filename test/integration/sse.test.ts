import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FeedMessage, Hello } from '../../protocol/wire.ts';
import type { RunningServer } from '../../server/server.ts';
import { publish, startTestServer, waitFor } from '../support/server.ts';
import { openSse } from '../support/sse.ts';

describe('sse transport', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({ historySize: 4, sseHeartbeatMs: 50 });
  });
  after(() => s.close());

  it('streams text/event-stream: a hello, then id = seq and data = the message JSON', async () => {
    const stream = await openSse(`${s.url}/api/sse`);
    assert.equal(stream.res.statusCode, 200);
    assert.match(String(stream.res.headers['content-type']), /^text\/event-stream/);
    assert.equal(stream.res.headers['cache-control'], 'no-store');
    assert.equal(stream.res.headers['x-accel-buffering'], 'no');
    const [hello] = await stream.next(1);
    assert.equal(hello?.event, 'hello');
    assert.deepEqual(JSON.parse(hello?.data ?? ''), {
      epoch: s.feed.epoch,
      cursor: s.feed.head,
      instance: s.config.instance,
    } satisfies Hello);
    await publish(s.url, 'over sse');
    const [, ev] = await stream.next(2);
    const m = JSON.parse(ev?.data ?? '') as FeedMessage;
    assert.equal(ev?.event, 'message');
    assert.equal(ev?.id, String(m.seq));
    assert.equal(m.body, 'over sse');
    stream.close();
    await waitFor(
      () => s.stats.transports.sse.connections === 0 && s.feed.subscribers === 0,
      20_000,
      'stream released',
    );
  });

  it('writes each event as one chunk of a chunked response, and unframed to an HTTP/1.0 client', async () => {
    const port = Number(new URL(s.url).port);
    const read = async (version: string) => {
      const socket = connect(port, '127.0.0.1');
      socket.write(`GET /api/sse?after=${s.feed.head} HTTP/${version}\r\nHost: 127.0.0.1\r\n\r\n`);
      let text = '';
      socket.on('data', (c: Buffer) => {
        text += c.toString('latin1');
      });
      await waitFor(() => text.includes('event: hello'), 10_000, 'the hello');
      const { seq } = (await publish(s.url, `over ${version}`)).json as { seq: number };
      await waitFor(() => text.includes(`over ${version}`), 10_000, 'the message');
      socket.destroy();
      return { text, seq };
    };
    const chunked = await read('1.1');
    assert.match(chunked.text, /\r\ntransfer-encoding: chunked\r\n/i);
    const event = chunked.text.slice(chunked.text.indexOf(`id: ${chunked.seq}\n`));
    const size = /\r\n([0-9a-f]+)\r\n$/.exec(chunked.text.slice(0, chunked.text.indexOf(`id: ${chunked.seq}\n`)))?.[1];
    assert.equal(
      Number.parseInt(size ?? '', 16),
      Buffer.byteLength(event.slice(0, event.indexOf('\n\n') + 2), 'latin1'),
    );
    const bare = await read('1.0');
    assert.doesNotMatch(bare.text, /transfer-encoding/i);
    assert.match(bare.text, new RegExp(`\\n\\nid: ${bare.seq}\\ndata: \\{`));
  });

  it('sends comment heartbeats', async () => {
    const stream = await openSse(`${s.url}/api/sse`);
    await waitFor(() => stream.comments >= 2, 20_000, 'two heartbeats');
    stream.close();
  });

  it('resumes from Last-Event-ID, which wins over after', async () => {
    const head = s.feed.head;
    await publish(s.url, 'a');
    await publish(s.url, 'b');
    const stream = await openSse(`${s.url}/api/sse?after=0&epoch=${s.feed.epoch}`, {
      'Last-Event-ID': String(head + 1),
    });
    const [hello, b] = await stream.next(2);
    assert.equal(hello?.event, 'hello');
    assert.deepEqual((JSON.parse(b?.data ?? '') as FeedMessage).body, 'b');
    stream.close();
  });

  it('sends a reset event when the cursor cannot be honoured, then what is retained', async () => {
    for (let i = 0; i < 5; i++) await publish(s.url, `fill ${i}`);
    const stream = await openSse(`${s.url}/api/sse?after=1&epoch=${s.feed.epoch}`);
    const events = await stream.next(5);
    assert.equal(events[0]?.event, 'reset');
    const info = JSON.parse(events[0]?.data ?? '') as Hello;
    assert.equal(info.reset, true);
    assert.equal(info.cursor, s.feed.head - 4);
    assert.deepEqual(
      events.slice(1).map((e) => Number(e.id)),
      [1, 2, 3, 4].map((i) => info.cursor + i),
    );
    stream.close();
  });

  it('refuses a bad Last-Event-ID with 400 JSON', async () => {
    const res = await fetch(`${s.url}/api/sse`, { headers: { 'Last-Event-ID': 'nope' } });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'BAD_CURSOR');
  });

  it('ends open streams when the server closes', async () => {
    const other = await startTestServer();
    const stream = await openSse(`${other.url}/api/sse`);
    await stream.next(1);
    await other.close();
    await stream.ended();
  });
});
