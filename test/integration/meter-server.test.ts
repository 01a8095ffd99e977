import assert from 'node:assert/strict';
import { once } from 'node:events';
import type http from 'node:http';
import net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { TRANSPORT_NAMES } from '../../protocol/wire.ts';

import {
  assertCounts,
  assertInvariant,
  clientFrame,
  headLength,
  opened,
  RawClient,
  responses,
  routes,
  SSE_PAYLOAD,
  split,
  start,
  UPGRADE_REQUEST,
  withWebSockets,
  ZERO,
} from '../support/meter-harness.ts';

describe('meterServer on real sockets', { timeout: 20_000 }, () => {
  afterEach(() => {
    for (const close of opened.splice(0)) close();
  });

  it('poll: a JSON answer with Content-Length', async () => {
    const h = await start(routes);
    const c = await RawClient.connect(h.port);
    const request = 'GET /api/poll?after=3&epoch=e1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n';
    c.write(request);
    const got = await c.until((r) => responses(r).length === 1, 'the poll answer');
    assert.equal(h.stats.transports.poll.connections, 1);
    assert.equal(h.meter.sockets, 1);
    const [answer] = responses(got);
    assert.ok(answer);
    c.socket.end();
    await assertCounts(h, {
      poll: { in: split(request.length, 0), out: split(answer.head, answer.body), requests: 1 },
    });
    assert.equal(got.length, answer.head + answer.body);
    await h.stop();
  });

  it('sse: a chunked event stream, open until the client leaves', async () => {
    const h = await start(routes);
    const c = await RawClient.connect(h.port);
    const request = 'GET /api/sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n';
    c.write(request);
    const got = await c.until((r) => r.toString('latin1').endsWith('data: line\n\n\r\n'), 'the last event');
    assert.match(got.toString('latin1'), /\r\nTransfer-Encoding: chunked\r\n/i);
    assert.equal(h.stats.transports.sse.connections, 1);
    c.socket.destroy();
    await assertCounts(h, {
      sse: { in: split(request.length, 0), out: split(got.length - SSE_PAYLOAD, SSE_PAYLOAD), requests: 1 },
    });
    await h.stop();
  });

  it('POST: a JSON body with Content-Length, then a chunked upload, on one connection', async () => {
    const h = await start(routes);
    const c = await RawClient.connect(h.port);
    const body = JSON.stringify({ type: 'publish', body: 'hello', source: 'chat' });
    const first = `POST /api/publish HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    c.write(first + body);
    await c.until((r) => responses(r).length === 1, 'the first answer');
    const second = 'POST /api/publish HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n';
    const chunks = ['7\r\n{"a":1}\r\n', '1', '0;ext=1\r\n0123456789abcdef\r\n', '0\r\nX-Checksum: 1\r\n\r\n'];
    c.write(second);
    for (const piece of chunks) c.write(piece);
    const got = await c.until((r) => responses(r).length === 2, 'the second answer');
    c.socket.end();
    const out = responses(got).reduce((s, r) => split(s.header + r.head, s.payload + r.body), ZERO);
    const framing = chunks.join('').length - 23;
    await assertCounts(h, {
      other: { in: split(first.length + second.length + framing, body.length + 23), out, requests: 2 },
    });
    await h.stop();
  });

  it('Expect: 100-continue: the interim response is header', async () => {
    const h = await start(routes);
    const c = await RawClient.connect(h.port);
    const head = 'POST /api/publish HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n';
    c.write(head);
    await c.until((r) => r.toString('latin1').startsWith('HTTP/1.1 100 Continue\r\n\r\n'), '100 Continue');
    c.write('hello');
    const got = await c.until((r) => responses(r.subarray(25)).length === 1, 'the answer');
    c.socket.end();
    const [answer] = responses(got.subarray(25));
    assert.ok(answer);
    await assertCounts(h, { other: { in: split(head.length, 5), out: split(25 + answer.head, answer.body) } });
    await h.stop();
  });

  it('keep-alive: requests to different routes are split per route, and the gauge follows', async () => {
    const h = await start(routes);
    const c = await RawClient.connect(h.port);
    const poll = 'GET /api/poll HTTP/1.1\r\nHost: a\r\n\r\n';
    const longPoll = 'GET /api/long-poll?after=3&timeout=0 HTTP/1.1\r\nHost: a\r\n\r\n';
    const head = 'HEAD /api/poll HTTP/1.1\r\nHost: a\r\n\r\n';
    c.write(poll);
    const first = await c.until((r) => responses(r).length === 1, 'the poll answer');
    assert.deepEqual(
      TRANSPORT_NAMES.map((n) => h.stats.transports[n].connections),
      [1, 0, 0, 0, 0],
    );
    c.write(longPoll);
    const second = await c.until((r) => responses(r).length === 2, 'the long-poll answer');
    assert.deepEqual(
      TRANSPORT_NAMES.map((n) => h.stats.transports[n].connections),
      [0, 1, 0, 0, 0],
    );
    c.write(head);
    const third = await c.until((r) => headLength(r, second.length) !== -1, 'the HEAD answer');
    c.socket.end();
    const [a, b] = responses(second);
    assert.ok(a && b && a.head + a.body === first.length);
    assert.equal(b.status, 204);
    await assertCounts(h, {
      poll: { in: split(poll.length + head.length, 0), out: split(a.head + (third.length - second.length), a.body) },
      'long-poll': { in: split(longPoll.length, 0), out: split(b.head, 0) },
    });
    assert.equal(h.stats.counts().transports.poll.requests, 2);
    assert.equal(h.stats.counts().transports['long-poll'].requests, 1);
    await h.stop();
  });

  for (const piece of [Number.POSITIVE_INFINITY, 7]) {
    it(`pipelining: requests written ${piece === 7 ? 'in 7-byte pieces' : 'at once'} are answered in order`, async () => {
      const h = await start(routes);
      const c = await RawClient.connect(h.port);
      const requests = [
        'GET /api/poll?a=1 HTTP/1.1\r\nHost: a\r\n\r\n',
        'POST /api/publish HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello',
        'GET /api/long-poll HTTP/1.1\r\nHost: a\r\n\r\n',
        'GET /missing HTTP/1.1\r\nHost: a\r\n\r\n',
      ];
      const all = Buffer.from(requests.join(''));
      for (let i = 0; i < all.length; i += Math.min(piece, all.length)) c.write(all.subarray(i, i + piece));
      const got = await c.until((r) => responses(r).length === 4, 'four answers');
      c.socket.end();
      const [poll, publish, longPoll, missing] = responses(got);
      assert.ok(poll && publish && longPoll && missing);
      assert.deepEqual([poll.status, publish.status, longPoll.status, missing.status], [200, 201, 204, 404]);
      await assertCounts(h, {
        poll: { in: split(requests[0]?.length ?? 0, 0), out: split(poll.head, poll.body), requests: 1 },
        other: {
          in: split((requests[1]?.length ?? 0) - 5 + (requests[3]?.length ?? 0), 5),
          out: split(publish.head + missing.head, publish.body + missing.body),
          requests: 2,
        },
        'long-poll': { in: split(requests[2]?.length ?? 0, 0), out: split(longPoll.head, 0), requests: 1 },
      });
      await h.stop();
    });
  }

  it('ws: masked client frames and server frames of 10, 200 and 70 000 bytes, exactly', async () => {
    const h = await start(routes, withWebSockets);
    const c = await RawClient.connect(h.port);
    const request = UPGRADE_REQUEST('/ws?after=3');
    const sizes = [10, 200, 70_000];
    const frames = sizes.map((n) => clientFrame(Buffer.alloc(n, 0x61)));
    // The first frame rides with the handshake: Node hands it to ws as `head`, ws unshifts it.
    c.write(Buffer.concat([Buffer.from(request), frames[0] ?? Buffer.alloc(0)]));
    const handshake = await c.until((r) => headLength(r) !== -1, 'the 101');
    const head101 = headLength(handshake);
    assert.match(handshake.toString('latin1'), /^HTTP\/1\.1 101 /);
    for (const f of frames.slice(1)) c.write(f);
    const echoed = head101 + 2 + 10 + 4 + 200 + 10 + 70_000;
    await c.until((r) => r.length === echoed, 'three echoes');
    assert.equal(h.stats.transports.ws.connections, 1);
    c.write(clientFrame(Buffer.from([0x03, 0xe8]), 0x8)); // close 1000
    await c.closed;
    assert.equal(c.received.length, echoed + 4); // the server's close frame: 2 + 2
    await assertCounts(h, {
      ws: {
        in: split(request.length + 6 + 8 + 14 + 6, 70_210 + 2),
        out: split(head101 + 2 + 4 + 10 + 2, 70_210 + 2),
        requests: 1,
      },
    });
    await h.stop();
  });

  it('ws: the real ws client, header sizes from the handshake it sent and got', async () => {
    let requestHead = 0;
    const h = await start(routes, (server) => {
      server.prependListener('upgrade', (req: http.IncomingMessage) => {
        const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        requestHead = Buffer.byteLength(`${lines.join('\r\n')}\r\n\r\n`);
      });
      withWebSockets(server);
    });
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/ws`, { perMessageDeflate: false });
    opened.push(() => ws.terminate());
    let responseHead = 0;
    ws.on('upgrade', (res) => {
      const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage}`];
      for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      responseHead = Buffer.byteLength(`${lines.join('\r\n')}\r\n\r\n`);
    });
    await once(ws, 'open');
    for (const n of [10, 200, 70_000]) {
      ws.send(Buffer.alloc(n, 1));
      const [data] = await once(ws, 'message');
      assert.equal((data as Buffer).length, n);
    }
    ws.close(1000);
    await once(ws, 'close');
    await assertCounts(h, {
      ws: {
        in: split(requestHead + 6 + 8 + 14 + 6, 70_212),
        out: split(responseHead + 2 + 4 + 10 + 2, 70_212),
        requests: 1,
      },
    });
    await h.stop();
  });

  it('ws: an upgrade refused with a raw 403 is an ordinary response; eager frames are header', async () => {
    const h = await start(routes, withWebSockets);
    const c = await RawClient.connect(h.port);
    const request = UPGRADE_REQUEST('/ws?deny=1');
    const eager = clientFrame(Buffer.from('too soon'));
    c.write(Buffer.concat([Buffer.from(request), eager]));
    await c.closed;
    const got = c.received;
    assert.match(got.toString('latin1'), /^HTTP\/1\.1 403 Forbidden\r\n/);
    await assertCounts(h, {
      ws: { in: split(request.length + eager.length, 0), out: split(got.length - 9, 9), requests: 1 },
    });
    await h.stop();
  });

  it('a malformed head: Node answers 400 by itself; every byte is header of `other`', async () => {
    const h = await start(routes);
    const c = await RawClient.connect(h.port);
    const bad = 'GET /api/poll HTTP/1.1\r\nBad Header\r\n\r\n';
    c.write(bad);
    await c.closed;
    assert.match(c.received.toString('latin1'), /^HTTP\/1\.1 400 Bad Request\r\n/);
    await assertCounts(h, {
      other: { in: split(bad.length, 0), out: split(c.received.length, 0), requests: 0 },
      poll: { requests: 0 },
    });
    await h.stop();
  });

  it("a malformed head after a good request: the server's own 400 (socket.end) is parsed", async () => {
    const h = await start(routes, (server) =>
      server.on('clientError', (_err, socket: net.Socket) => {
        const body = '{"error":{"code":"BAD_REQUEST"}}';
        socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      }),
    );
    const c = await RawClient.connect(h.port);
    const good = 'GET /api/poll HTTP/1.1\r\nHost: a\r\n\r\n';
    const garbage = Buffer.from([
      0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a,
    ]);
    c.write(good);
    await c.until((r) => responses(r).length === 1, 'the poll answer');
    c.write(garbage);
    await c.closed;
    const [poll, refusal] = responses(c.received);
    assert.ok(poll && refusal);
    assert.equal(refusal.status, 400);
    // The garbage comes after a poll request, so it is counted (as header) where the socket is: poll.
    await assertCounts(h, {
      poll: {
        in: split(good.length + garbage.length, 0),
        out: split(poll.head + refusal.head, poll.body + refusal.body),
        requests: 1,
      },
    });
    await h.stop();
  });

  it('bytes queued but never sent (the peer reset) are taken back', async () => {
    let attempted = 0;
    let full: () => void = () => {};
    const filled = new Promise<void>((resolve) => {
      full = resolve;
    });
    const h = await start((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const event = `data: ${'x'.repeat(64 * 1024)}\n\n`;
      const pump = () => {
        if (res.destroyed) return;
        res.write(event);
        attempted += event.length;
        if (res.socket && res.socket.writableLength > 4 * 1024 * 1024) full();
        else setImmediate(pump);
      };
      pump();
    });
    const c = await RawClient.connect(h.port);
    c.socket.pause();
    c.write('GET /stream HTTP/1.1\r\nHost: a\r\n\r\n');
    await filled;
    c.socket.resetAndDestroy();
    const [closed] = await Promise.all(h.closes);
    assert.ok(closed && closed.bytesWritten < attempted, 'some bytes were discarded unsent');
    assertInvariant(h.stats, [closed]);
    const out = h.stats.counts().other.bytesOut;
    // Each event is 6 + 65536 + 2 bytes with 65536 of payload; chunk framing adds header only.
    assert.ok(out.payload <= (out.header + out.payload) * (65_536 / 65_544));
    await h.stop();
  });

  it('bytes read while the socket was paused, never delivered, are still parsed at close', async () => {
    let paused: () => void = () => {};
    const isPaused = new Promise<void>((resolve) => {
      paused = resolve;
    });
    const h = await start((req) => {
      // Hold the request and stop reading, like a server under back-pressure. The 'data'
      // listener takes the socket back from Node's C++ parser (reads then reach JavaScript and
      // can sit in the socket's buffer), and the meter follows it there.
      req.socket.on('data', () => {});
      setImmediate(() => {
        req.socket.pause();
        paused();
      });
    });
    const c = await RawClient.connect(h.port);
    const first = 'GET /held HTTP/1.1\r\nHost: a\r\n\r\n';
    const second = 'GET /api/poll HTTP/1.1\r\nHost: a\r\n\r\n';
    c.write(first);
    await isPaused;
    c.write(second);
    const [server] = h.sockets;
    assert.ok(server);
    await waitFor(() => server.readableLength === second.length, 'the second request to sit in the buffer');
    server.destroy();
    await assertCounts(h, {
      other: { in: split(first.length, 0), requests: 1 },
      poll: { in: split(second.length, 0), requests: 1 },
    });
    await h.stop();
  });

  it('stop(): new sockets are not metered, open ones are let go', async () => {
    const h = await start(routes);
    const c = await RawClient.connect(h.port);
    c.write('GET /api/poll HTTP/1.1\r\nHost: a\r\n\r\n');
    await c.until((r) => responses(r).length === 1, 'the answer');
    const [server] = h.sockets;
    assert.ok(server);
    assert.equal(h.stats.transports.poll.connections, 1);
    h.meter.stop();
    assert.equal(h.meter.sockets, 0);
    assert.equal(h.stats.transports.poll.connections, 0);
    assert.equal(server.write, net.Socket.prototype.write);
    const before = structuredClone(h.stats.transports.poll);
    c.write('GET /api/poll HTTP/1.1\r\nHost: a\r\n\r\n');
    await c.until((r) => responses(r).length === 2, 'the second answer');
    assert.deepEqual(h.stats.transports.poll, before);
    c.socket.end();
    await c.closed;
    await h.stop();
  });
});

/** Polls a condition no event announces (a paused socket's buffer filling). */
async function waitFor(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
