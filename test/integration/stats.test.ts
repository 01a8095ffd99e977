/**
 * Holds the server's socket-counted bytes (GET /api/stats) against what independent raw
 * clients counted on their own sockets: totals must be equal to the byte, and the payload
 * part must equal the application bytes the client parsed out.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import type { TransportStats } from '../../protocol/wire.ts';
import type { RunningServer } from '../../server/server.ts';
import { startTestServer, waitFor } from '../support/server.ts';

const utf8 = (s: string) => Buffer.byteLength(s);
const ZERO = { header: 0, payload: 0 };

/** Sends `request` on a raw socket and collects everything until `done(received)` or close. */
function raw(
  s: RunningServer,
  request: string,
  done: (received: Buffer) => boolean,
): Promise<{ sock: Socket; received: Buffer }> {
  return new Promise((resolve, reject) => {
    const sock = connect(Number(new URL(s.url).port), '127.0.0.1');
    let received = Buffer.alloc(0);
    // Bounded: a test that waits for bytes that never come fails instead of hanging the run.
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no complete answer within 10 s; got ${received.toString('latin1').slice(0, 200)}`));
    }, 10_000);
    const finish = () => {
      clearTimeout(timer);
      resolve({ sock, received });
    };
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('data', (d) => {
      received = Buffer.concat([received, d]);
      if (done(received)) finish();
    });
    sock.on('close', finish);
    sock.write(request);
  });
}

const total = (t: TransportStats) => ({
  in: t.bytesIn.header + t.bytesIn.payload,
  out: t.bytesOut.header + t.bytesOut.payload,
});

describe('GET /api/stats byte counts', () => {
  it('poll: request head, response head and JSON body, to the byte', async () => {
    const s = await startTestServer();
    await s.feed.publish({ source: 'chat', body: 'counted' });
    const request = 'GET /api/poll?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';
    const { received } = await raw(s, request, () => false);
    const text = received.toString('latin1');
    const headEnd = text.indexOf('\r\n\r\n') + 4;
    await waitFor(() => s.stats.transports.poll.connections === 0, 20_000, 'socket closed');
    const t = s.stats.counts().transports.poll;
    assert.deepEqual(t.bytesIn, { header: utf8(request), payload: 0 });
    assert.deepEqual(t.bytesOut, { header: headEnd, payload: received.length - headEnd });
    assert.equal(t.requests, 1);
    await s.close();
  });

  it('sse: totals equal the client socket; payload is exactly the data values', async () => {
    const s = await startTestServer({ sseHeartbeatMs: 20 });
    for (let i = 0; i < 5; i++) await s.feed.publish({ source: 'chat', body: `sse ${i} ✓` });
    const request = 'GET /api/sse?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    const { sock, received } = await raw(
      s,
      request,
      (r) => (r.toString('utf8').match(/: heartbeat/g) ?? []).length >= 2,
    );
    sock.destroy();
    await waitFor(() => s.stats.transports.sse.connections === 0, 20_000, 'stream closed');
    // De-chunk the body, then sum the `data:` values.
    const text = received.toString('latin1');
    let at = text.indexOf('\r\n\r\n') + 4;
    let body = '';
    for (;;) {
      const lineEnd = text.indexOf('\r\n', at);
      if (lineEnd === -1) break;
      const size = Number.parseInt(text.slice(at, lineEnd), 16);
      if (!(size > 0) || lineEnd + 2 + size > text.length) break;
      body += text.slice(lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
    const dataBytes = Buffer.from(body, 'latin1')
      .toString('utf8')
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .reduce((n, l) => n + utf8(l.slice(6)), 0);
    const t = s.stats.counts().transports.sse;
    assert.deepEqual(total(t), { in: utf8(request), out: received.length });
    assert.equal(t.bytesOut.payload, dataBytes);
    assert.ok(dataBytes > 5 * 60, `data bytes ${dataBytes}`);
    await s.close();
  });

  it('ws: totals equal the client socket; frame headers are 2/4/10 (+4 mask) bytes', async () => {
    const s = await startTestServer({ wsMaxPayload: 100_000, maxMessageBytes: 100_000 });
    const client = new WebSocket(`${s.url.replace('http', 'ws')}/ws`, { perMessageDeflate: false });
    const frames: number[] = [];
    client.on('message', (d: Buffer) => frames.push(d.length));
    await new Promise((r) => client.once('open', r));
    await waitFor(() => frames.length === 1, 20_000, 'hello');
    const sent = [10, 200, 70_000].map((n) =>
      JSON.stringify({ type: 'publish', source: 'bench', body: 'x'.repeat(n) }),
    );
    for (const f of sent) client.send(f);
    // Each publish comes back as a message frame and an ack.
    await waitFor(() => frames.length === 1 + sent.length * 2, 20_000, 'messages and acks');
    const sock = (client as unknown as { _socket: Socket })._socket;
    const clientRead = sock.bytesRead;
    const clientWritten = sock.bytesWritten;
    client.terminate();
    await waitFor(() => s.stats.transports.ws.connections === 0, 20_000, 'ws closed');
    const t = s.stats.counts().transports.ws;
    assert.deepEqual(total(t), { in: clientWritten, out: clientRead });
    const header = (n: number) => (n < 126 ? 2 : n < 65_536 ? 4 : 10);
    assert.equal(
      t.bytesOut.payload,
      frames.reduce((a, b) => a + b, 0),
    );
    const sentPayload = sent.reduce((a, f) => a + utf8(f), 0);
    assert.equal(t.bytesIn.payload, sentPayload);
    const upgradeHead = t.bytesIn.header - sent.reduce((a, f) => a + header(utf8(f)) + 4, 0);
    assert.ok(upgradeHead > 100 && upgradeHead < 400, `upgrade request head ${upgradeHead}`);
    const responseHead = t.bytesOut.header - frames.reduce((a, n) => a + header(n), 0);
    const named = Buffer.byteLength(`X-Pushrace-Instance: ${s.config.instance}\r\n`);
    assert.equal(
      responseHead,
      129 + named,
      'the 101 head: status line, Upgrade, Connection, Sec-WebSocket-Accept, X-Pushrace-Instance',
    );
    await s.close();
  });

  it('long-poll: a held request counts its bytes when answered, under its own transport', async () => {
    const s = await startTestServer();
    const request = 'GET /api/long-poll?after=0&timeout=50 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';
    const { received } = await raw(s, request, () => false);
    assert.match(received.toString('latin1'), /^HTTP\/1.1 204/);
    await waitFor(() => s.stats.transports['long-poll'].connections === 0, 20_000, 'socket closed');
    const t = s.stats.counts().transports['long-poll'];
    assert.deepEqual(t.bytesIn, { header: utf8(request), payload: 0 });
    assert.deepEqual(t.bytesOut, { header: received.length, payload: 0 });
    assert.equal(t.timeouts, 1);
    assert.equal(s.stats.counts().transports.poll.requests, 0);
    await s.close();
  });

  it('without the meter (the peers ablation): the same answer, and no count at all', async () => {
    const s = await startTestServer({}, { meter: false });
    await s.feed.publish({ source: 'chat', body: 'not counted' });
    const request = 'GET /api/poll?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';
    const { received } = await raw(s, request, () => false);
    const text = received.toString('latin1');
    assert.match(text, /^HTTP\/1.1 200 OK\r\n/);
    assert.match(text, /"body":"not counted"/);
    const t = s.stats.counts().transports.poll;
    assert.deepEqual([t.bytesIn, t.bytesOut, t.requests], [ZERO, ZERO, 0]);
    await s.close();
  });
});
