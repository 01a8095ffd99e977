import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type DelayProxy, startDelayProxy } from '../../experiments/delay-proxy.ts';

/** A TCP echo server on a free loopback port. */
async function echoServer(): Promise<net.Server> {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const portOf = (server: net.Server) => {
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  return a.port;
};

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port });
  s.setNoDelay(true);
  await once(s, 'connect');
  return s;
}

/** Writes `n` bytes' worth of a one-byte ping and resolves with the round-trip time in ms. */
async function roundTrip(s: net.Socket): Promise<number> {
  const t0 = performance.now();
  s.write('x');
  await once(s, 'data');
  return performance.now() - t0;
}

/** Reads from `s` until `n` bytes arrived. */
function readBytes(s: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) {
        s.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}

describe('DelayProxy', () => {
  let echo: net.Server;
  const proxies: DelayProxy[] = [];
  const proxy = async (opts: Parameters<typeof startDelayProxy>[0]) => {
    const p = await startDelayProxy(opts);
    proxies.push(p);
    return p;
  };

  before(async () => {
    echo = await echoServer();
  });
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    echo.close();
  });

  it('adds at least the delay in each direction to an echo round trip', async () => {
    const delayMs = 40;
    const p = await proxy({ target: { host: '127.0.0.1', port: portOf(echo) }, delayMs });
    const direct = await connect(portOf(echo));
    const via = await connect(p.port);
    await roundTrip(direct);
    await roundTrip(via); // the first one also opens the upstream connection
    const rtts = [await roundTrip(via), await roundTrip(via), await roundTrip(via)];
    for (const rtt of rtts) {
      assert.ok(rtt >= 2 * delayMs, `round trip ${rtt.toFixed(2)} ms < 2 × ${delayMs} ms`);
    }
    direct.destroy();
    via.destroy();
  });

  it('never reorders a stream under jitter: 1000 small writes arrive in order', async () => {
    // Alternating extreme jitter: without ordering, every second chunk would overtake its predecessor.
    let flip = 0;
    const random = () => (flip++ % 2 === 0 ? 0.999 : 0);
    const p = await proxy({ target: { host: '127.0.0.1', port: portOf(echo) }, delayMs: 5, jitterMs: 5, random });
    const s = await connect(p.port);
    const n = 1000;
    const received = readBytes(s, n * 4);
    for (let i = 0; i < n; i++) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(i);
      s.write(b);
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    const got = await received;
    const seqs = Array.from({ length: n }, (_, i) => got.readUInt32BE(i * 4));
    assert.deepEqual(
      seqs,
      Array.from({ length: n }, (_, i) => i),
    );
    s.destroy();
  });

  it('carries a large stream intact through a small queue (backpressure, bounded memory)', async () => {
    const p = await proxy({ target: { host: '127.0.0.1', port: portOf(echo) }, delayMs: 1, maxQueuedBytes: 16 * 1024 });
    const s = await connect(p.port);
    const payload = randomBytes(4 * 1024 * 1024);
    const received = readBytes(s, payload.length);
    s.write(payload);
    const got = await received;
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(got.length, payload.length);
    assert.equal(digest(got), digest(payload));
    s.destroy();
  });

  it('forwards a half-close after the bytes before it', async () => {
    const p = await proxy({ target: { host: '127.0.0.1', port: portOf(echo) }, delayMs: 10 });
    const s = await connect(p.port);
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.end('last words');
    await once(s, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'last words');
  });

  it('close() ends every connection and stops listening', async () => {
    const p = await startDelayProxy({ target: { host: '127.0.0.1', port: portOf(echo) }, delayMs: 1 });
    const s = await connect(p.port);
    await roundTrip(s);
    assert.equal(p.connections, 1);
    const closed = once(s, 'close');
    await p.close();
    await closed;
    assert.equal(p.connections, 0);
    await assert.rejects(connect(p.port), /ECONNREFUSED/);
  });
});
