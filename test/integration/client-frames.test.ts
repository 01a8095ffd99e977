import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { MemoryFeed } from '../../server/feed/memory-feed.ts';
import { type RunningServer, startServer } from '../../server/server.ts';
import { clientFrame, closeCodeOf, rawExchange, upgradeHead } from '../support/raw.ts';
import { startTestServer, testConfig, waitFor } from '../support/server.ts';
import { openWs } from '../support/ws.ts';

const portOf = (s: RunningServer) => Number(new URL(s.url).port);
const wsUrl = (s: RunningServer) => `${s.url.replace('http', 'ws')}/ws`;

/** The text of every error frame in a server's byte stream after its 101 head (frames under 126 bytes). */
function errorFrames(bytes: Buffer): string[] {
  const out: string[] = [];
  let i = bytes.indexOf('\r\n\r\n') + 4;
  while (i > 3 && i + 2 <= bytes.length) {
    let len = (bytes[i + 1] ?? 0) & 0x7f;
    let at = i + 2;
    if (len === 126) {
      len = bytes.readUInt16BE(at);
      at += 2;
    }
    const text = bytes.subarray(at, at + len).toString('utf8');
    if (text.includes('"type":"error"')) out.push(text);
    i = at + len;
  }
  return out;
}

describe('client frames (WebSocket input)', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({ publishRate: 0, wsMaxBadFrames: 20 });
  });
  after(() => s.close());

  it('10 000 empty frames in one write: 19 error replies, then close 1008, and the server serves on', async () => {
    const empties = Buffer.concat(Array.from({ length: 10_000 }, () => clientFrame(0x81, Buffer.alloc(0))));
    const bytes = await rawExchange(portOf(s), Buffer.concat([Buffer.from(upgradeHead('/ws')), empties]));
    assert.equal(closeCodeOf(bytes), 1008);
    assert.equal(errorFrames(bytes).length, 19, 'one reply per bad frame until the 20th closes the connection');
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
    await waitFor(() => s.stats.transports.ws.connections === 0 && s.feed.subscribers === 0, 10_000, 'released');
  });

  it('a good frame resets the streak: bad frames between publishes keep the connection', async () => {
    const c = await openWs(wsUrl(s));
    await c.next(1);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 15; i++) c.send('not json');
      c.send({ type: 'publish', body: `round ${round}`, id: `r${round}` });
    }
    await waitFor(() => c.frames.filter((f) => f.type === 'ack').length === 3, 10_000, 'three acks');
    const errors = c.frames.filter((f) => f.type === 'error');
    assert.equal(errors.length, 45);
    assert.ok(errors.every((f) => f.type === 'error' && f.code === 'BAD_FRAME'));
    c.ws.close();
  });

  it('keeps replies in the order of the frames they answer', async () => {
    const c = await openWs(wsUrl(s));
    await c.next(1);
    c.send({ type: 'publish', body: 'first', id: 'a' });
    c.send('{"type":"nope","id":"b"}');
    c.send({ type: 'publish', body: 'third', id: 'c' });
    await waitFor(() => c.frames.filter((f) => f.type === 'ack' || f.type === 'error').length === 3, 10_000, 'replies');
    const replies = c.frames.filter((f) => f.type === 'ack' || f.type === 'error');
    assert.deepEqual(
      replies.map((f) => ('id' in f ? f.id : null)),
      ['a', 'b', 'c'],
    );
    c.ws.close();
  });

  it('refuses JSON nested deeper than the limit with an error frame, not INTERNAL', async () => {
    const c = await openWs(wsUrl(s));
    await c.next(1);
    const deep = `{"type":"publish","body":${'['.repeat(1750)}${']'.repeat(1750)}}`;
    c.send(deep);
    await waitFor(() => c.frames.some((f) => f.type === 'error'), 10_000, 'an error frame');
    const error = c.frames.find((f) => f.type === 'error');
    assert.equal(error?.type === 'error' ? error.code : '', 'BAD_FRAME');
    assert.match(error?.type === 'error' ? error.message : '', /nested deeper than 32/);
    c.ws.close();
  });

  it('closes a client whose waiting frames pass the cap with 1008', async () => {
    const capped = await startTestServer({ publishRate: 0, wsMaxQueuedFrames: 100 });
    try {
      // One publish makes the frames behind it wait; 500 more in the same write outrun any pause.
      const publish = clientFrame(0x81, Buffer.from('{"type":"publish","body":"x"}'));
      const pings = Array.from({ length: 500 }, () => clientFrame(0x81, Buffer.from('{"type":"publish","body":"y"}')));
      const bytes = await rawExchange(
        portOf(capped),
        Buffer.concat([Buffer.from(upgradeHead('/ws')), publish, ...pings]),
      );
      assert.equal(closeCodeOf(bytes), 1008);
      assert.equal((await fetch(`${capped.url}/healthz`)).status, 200);
    } finally {
      await capped.close();
    }
  });

  it('counts a delivery only when a frame was written: none to a socket that just failed', async (ctx) => {
    // A memory feed whatever REDIS_URL says: only a synchronous publish fans out in this very tick.
    const feed = new MemoryFeed({ historySize: 10 });
    const m = await startServer(testConfig(), { feed });
    ctx.after(() => m.close());
    let serverSocket: Duplex | undefined;
    m.server.once('upgrade', (_req, socket: Duplex) => {
      serverSocket = socket;
    });
    const c = await openWs(wsUrl(m));
    await c.next(1);
    assert.ok(serverSocket);
    const delivered = m.stats.transports.ws.delivered;
    // The socket fails and a publish fans out in the same tick, before ws has seen the close.
    serverSocket.destroy();
    feed.publishSync({ source: 'bench', body: 'to nobody' });
    assert.equal(m.stats.transports.ws.delivered, delivered);
    await c.closed;
  });
});
