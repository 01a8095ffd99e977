import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { type ByteSplit, TRANSPORT_NAMES } from '../../protocol/wire.ts';
import { type MeterKey, meterServer, type ServerMeter } from '../../server/metering/socket-meter.ts';
import { Stats } from '../../server/observe/stats.ts';

/** Real servers on 127.0.0.1, raw clients, and byte counts worked out by hand from what was sent. */

const classify = (_method: string, path: string): MeterKey => {
  switch (path) {
    case '/api/poll':
      return 'poll';
    case '/api/long-poll':
      return 'long-poll';
    case '/api/sse':
      return 'sse';
    case '/ws':
      return 'ws';
    default:
      return 'other';
  }
};

const KEYS: readonly MeterKey[] = [...TRANSPORT_NAMES, 'other'];

interface Closed {
  bytesRead: number;
  bytesWritten: number;
}

interface Harness {
  port: number;
  stats: Stats;
  meter: ServerMeter;
  server: http.Server;
  /** Server-side sockets, in connection order, and their byte counts at close. */
  sockets: net.Socket[];
  closes: Promise<Closed>[];
  stop(): Promise<void>;
}

/** Everything a test opened, closed after it even when it fails, so a failure cannot hang the run. */
const opened: Array<() => void> = [];

/** Starts a metered server; `setup` adds 'upgrade' / 'clientError' listeners and the like. */
async function start(handler: http.RequestListener, setup?: (server: http.Server) => void): Promise<Harness> {
  const server = http.createServer(handler);
  const stats = new Stats();
  const meter = meterServer(server, stats, classify);
  setup?.(server);
  const sockets: net.Socket[] = [];
  const closes: Promise<Closed>[] = [];
  // Registered after the meter's, so this 'close' listener runs after the meter has settled.
  server.on('connection', (socket: net.Socket) => {
    sockets.push(socket);
    closes.push(
      new Promise((resolve) =>
        socket.once('close', () => resolve({ bytesRead: socket.bytesRead, bytesWritten: socket.bytesWritten })),
      ),
    );
  });
  opened.push(() => {
    server.closeAllConnections();
    server.close();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return {
    port: address.port,
    stats,
    meter,
    server,
    sockets,
    closes,
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
      meter.stop();
    },
  };
}

/** A TCP client that keeps every byte it gets and can await a condition on them. */
class RawClient {
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  #chunks: Buffer[] = [];
  #isClosed = false;
  #waiters = new Set<() => void>();

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.#chunks.push(d);
      this.#wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#isClosed = true;
        this.#wake();
        resolve();
      }),
    );
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    opened.push(() => socket.destroy());
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  get received(): Buffer {
    if (this.#chunks.length !== 1) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves with everything received once `done` holds; rejects if the connection closes first. */
  until(done: (received: Buffer) => boolean, what: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const received = this.received;
        if (done(received)) {
          this.#waiters.delete(check);
          resolve(received);
        } else if (this.#isClosed) {
          this.#waiters.delete(check);
          reject(new Error(`closed before ${what}; got ${JSON.stringify(received.toString('latin1').slice(0, 300))}`));
        }
      };
      this.#waiters.add(check);
      check();
    });
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}

/** Length of the head starting at `from` (through the blank line), or -1 while incomplete. */
function headLength(buf: Buffer, from = 0): number {
  const end = buf.indexOf('\r\n\r\n', from);
  return end === -1 ? -1 : end + 4 - from;
}

/** Complete Content-Length-framed responses at the start of `buf`: head and body sizes. */
function responses(buf: Buffer): Array<{ status: number; head: number; body: number }> {
  const out: Array<{ status: number; head: number; body: number }> = [];
  let pos = 0;
  for (;;) {
    const head = headLength(buf, pos);
    if (head === -1) return out;
    const text = buf.toString('latin1', pos, pos + head);
    const status = Number(text.slice(9, 12));
    const length = /\r\ncontent-length: *(\d+)/i.exec(text);
    const body = status === 204 || status === 304 || !length ? 0 : Number(length[1]);
    if (pos + head + body > buf.length) return out;
    out.push({ status, head, body });
    pos += head + body;
  }
}

const split = (header: number, payload: number): ByteSplit => ({ header, payload });
const ZERO = split(0, 0);

const bucket = (stats: Stats, key: MeterKey) => (key === 'other' ? stats.other : stats.transports[key]);

/**
 * Waits for every server socket to close, then checks each bucket's bytes (unlisted buckets
 * must be zero) and the invariant: all buckets together == bytesRead / bytesWritten.
 */
async function assertCounts(
  h: Harness,
  want: Partial<Record<MeterKey, { in?: ByteSplit; out?: ByteSplit; requests?: number }>>,
): Promise<void> {
  const closed = await Promise.all(h.closes);
  for (const key of KEYS) {
    const b = bucket(h.stats, key);
    const w = want[key];
    if (w?.in !== undefined || w === undefined) assert.deepEqual(b.bytesIn, w?.in ?? ZERO, `${key} bytesIn`);
    if (w?.out !== undefined || w === undefined) assert.deepEqual(b.bytesOut, w?.out ?? ZERO, `${key} bytesOut`);
    if (w?.requests !== undefined) assert.equal(b.requests, w.requests, `${key} requests`);
  }
  assertInvariant(h.stats, closed);
  for (const name of TRANSPORT_NAMES) assert.equal(h.stats.transports[name].connections, 0, `${name} connections`);
  assert.equal(h.meter.sockets, 0);
}

function assertInvariant(stats: Stats, closed: readonly Closed[]): void {
  let inBytes = 0;
  let outBytes = 0;
  for (const key of KEYS) {
    const b = bucket(stats, key);
    inBytes += b.bytesIn.header + b.bytesIn.payload;
    outBytes += b.bytesOut.header + b.bytesOut.payload;
  }
  assert.equal(
    inBytes,
    closed.reduce((n, c) => n + c.bytesRead, 0),
    'sum of bytesIn == socket.bytesRead',
  );
  assert.equal(
    outBytes,
    closed.reduce((n, c) => n + c.bytesWritten, 0),
    'sum of bytesOut == socket.bytesWritten',
  );
}

/** A masked client frame (RFC 6455 §5.2), as a browser would send it. */
function clientFrame(payload: Buffer, opcode = 0x2): Buffer {
  const n = payload.length;
  const len7 = n <= 125 ? n : n <= 0xffff ? 126 : 127;
  const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  const head = Buffer.alloc(2 + ext + 4);
  head[0] = 0x80 | opcode;
  head[1] = 0x80 | len7;
  if (ext === 2) head.writeUInt16BE(n, 2);
  if (ext === 8) head.writeBigUInt64BE(BigInt(n), 2);
  const key = [0x11, 0x22, 0x33, 0x44];
  head.set(key, 2 + ext);
  return Buffer.concat([head, payload.map((b, i) => b ^ (key[i % 4] ?? 0))]);
}

const UPGRADE_REQUEST = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** Routes mimicking the transports: a JSON poll answer, an SSE stream, a publish POST, a 204. */
function routes(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/api/poll') {
    const body = JSON.stringify({ epoch: 'e1', cursor: 3, messages: [{ seq: 3, ts: 1, source: 'ticker', body: 'x' }] });
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } else if (path === '/api/long-poll') {
    res.writeHead(204).end();
  } else if (path === '/api/sse') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    res.write('retry: 1000\nid: 1\nevent: hello\ndata: {"hello":true}\n\n');
    res.write(': heartbeat\n\n');
    res.write('id: 2\ndata: {"seq":2}\n\n');
    res.write('id: 3\ndata: last\ndata: line\n\n');
  } else if (path === '/api/publish' && req.method === 'POST') {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ seq: 4, length: Buffer.concat(chunks).length });
      res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  } else {
    res.writeHead(404, { 'Content-Length': 9 }).end('not found');
  }
}

/** Upgrade routing: /ws?deny answered by a raw 403, /ws accepted by ws and echoed. */
function withWebSockets(server: http.Server): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if ((req.url ?? '').includes('deny')) {
      socket.end(
        'HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nforbidden',
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  return wss;
}

const SSE_PAYLOAD = Buffer.byteLength('{"hello":true}{"seq":2}lastline');

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
      [1, 0, 0, 0],
    );
    c.write(longPoll);
    const second = await c.until((r) => responses(r).length === 2, 'the long-poll answer');
    assert.deepEqual(
      TRANSPORT_NAMES.map((n) => h.stats.transports[n].connections),
      [0, 1, 0, 0],
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
    assert.equal(h.stats.transports.poll.requests, 2);
    assert.equal(h.stats.transports['long-poll'].requests, 1);
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
    const out = h.stats.other.bytesOut;
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
      // Hold the request and stop reading, like a server under back-pressure.
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
