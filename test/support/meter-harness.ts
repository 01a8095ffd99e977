/**
 * The socket meter's test bench: metered servers on loopback, raw TCP clients that keep
 * every byte, and the byte counts worked out by hand from what was sent.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import { type ByteSplit, TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import type { Classify } from '../../server/metering/meter-keys.ts';
import { meterServer, type ServerMeter } from '../../server/metering/meter-server.ts';
import { Stats } from '../../server/observe/stats.ts';

/** Real servers on 127.0.0.1, raw clients, and byte counts worked out by hand from what was sent. */

/** The transports' paths, as the server registers them. */
const PATHS: Readonly<Record<TransportName, string>> = {
  poll: '/api/poll',
  'long-poll': '/api/long-poll',
  sse: '/api/sse',
  ws: '/ws',
  socketio: '/socket.io/',
};

/** A Stats whose endpoints are the transports' paths, and the meter's classifier over them. */
export function meteredStats(): { stats: Stats; classify: Classify } {
  const stats = new Stats();
  for (const name of TRANSPORT_NAMES) stats.endpoint(name, PATHS[name]);
  return { stats, classify: (_method, path) => stats.endpointAt(path) };
}

/** Where the meter counts: a transport, or everything else. */
export type MeterKey = TransportName | 'other';

export const KEYS: readonly MeterKey[] = [...TRANSPORT_NAMES, 'other'];

export interface Closed {
  bytesRead: number;
  bytesWritten: number;
}

export interface Harness {
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
export const opened: Array<() => void> = [];

/** Starts a metered server; `setup` adds 'upgrade' / 'clientError' listeners and the like. */
export async function start(handler: http.RequestListener, setup?: (server: http.Server) => void): Promise<Harness> {
  const server = http.createServer(handler);
  const { stats, classify } = meteredStats();
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
export class RawClient {
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
export function headLength(buf: Buffer, from = 0): number {
  const end = buf.indexOf('\r\n\r\n', from);
  return end === -1 ? -1 : end + 4 - from;
}

/** Complete Content-Length-framed responses at the start of `buf`: head and body sizes. */
export function responses(buf: Buffer): Array<{ status: number; head: number; body: number }> {
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

export const split = (header: number, payload: number): ByteSplit => ({ header, payload });
export const ZERO = split(0, 0);

export const bucket = (stats: Stats, key: MeterKey) => {
  const counts = stats.counts();
  return key === 'other' ? counts.other : counts.transports[key];
};

/**
 * Waits for every server socket to close, then checks each bucket's bytes (unlisted buckets
 * must be zero) and the invariant: all buckets together == bytesRead / bytesWritten.
 */
export async function assertCounts(
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

export function assertInvariant(stats: Stats, closed: readonly Closed[]): void {
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
export function clientFrame(payload: Buffer, opcode = 0x2): Buffer {
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

export const UPGRADE_REQUEST = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** Routes mimicking the transports: a JSON poll answer, an SSE stream, a publish POST, a 204. */
export function routes(req: http.IncomingMessage, res: http.ServerResponse): void {
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
export function withWebSockets(server: http.Server): WebSocketServer {
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

export const SSE_PAYLOAD = Buffer.byteLength('{"hello":true}{"seq":2}lastline');
