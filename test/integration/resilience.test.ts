import assert from 'node:assert/strict';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { after, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { type ClientTransport, createTransport, type ResetInfo } from '../../client/lib/index.ts';
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import { spawnServer } from '../support/child.ts';
import { publish, startTestServer, waitFor } from '../support/server.ts';

/** One client of one transport and everything it was told, in order. */
interface Recorded {
  name: TransportName;
  transport: ClientTransport;
  /** `m:<seq>` per message, `reset:<cursor>` per reset. */
  log: string[];
  last: () => number;
}

function startClients(baseUrl: string): Recorded[] {
  return TRANSPORT_NAMES.map((name) => {
    const transport = createTransport(name, {
      baseUrl,
      WebSocket,
      EventSource,
      pollIntervalMs: 50,
      longPollTimeoutMs: 2000,
      requestGraceMs: 1000,
      backoff: { initialMs: 20, maxMs: 200 },
    });
    const log: string[] = [];
    let last = 0;
    transport.start(
      { after: 0 },
      {
        messages: (batch) => {
          for (const m of batch) {
            log.push(`m:${m.seq}`);
            last = m.seq;
          }
        },
        reset: (info: ResetInfo) => {
          log.push(`reset:${info.cursor}`);
          last = info.cursor;
        },
        error: () => {},
      },
    );
    return { name, transport, log, last: () => last };
  });
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `m:${from + i}`);

// The two tests share nothing but the cleanup list (a server process each, or a proxy): they run at once.
describe('resilience', { concurrency: true }, () => {
  const cleanups: Array<() => unknown> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('every transport survives a SIGKILL and restart of the server: every message or an explicit reset', async () => {
    const first = await spawnServer(['--port', '0']);
    cleanups.push(() => first.proc.kill('SIGKILL'));
    const port = new URL(first.url).port;
    const clients = startClients(first.url);
    cleanups.push(() => {
      for (const c of clients) c.transport.stop();
    });
    for (let i = 1; i <= 30; i++) assert.equal((await publish(first.url, `before ${i}`)).status, 201);
    await waitFor(() => clients.every((c) => c.last() === 30), 20_000, 'all clients at 30');
    first.proc.kill('SIGKILL');
    await first.exited;
    const second = await spawnServer(['--port', port]);
    cleanups.push(() => second.proc.kill('SIGKILL'));
    const killedAt = performance.now();
    for (let i = 1; i <= 20; i++) assert.equal((await publish(second.url, `after ${i}`)).status, 201);
    await waitFor(
      () => clients.every((c) => c.log.some((l) => l.startsWith('reset')) && c.last() === 20),
      10_000,
      'all clients reset and at 20 in the new epoch',
    );
    console.log(`# all four transports recovered ${(performance.now() - killedAt).toFixed(0)} ms after the restart`);
    for (const c of clients) {
      const resetAt = c.log.findIndex((l) => l.startsWith('reset'));
      assert.deepEqual(c.log.slice(0, resetAt), range(1, 30), `${c.name} before the kill`);
      const resetCursor = Number(c.log[resetAt]?.split(':')[1]);
      assert.deepEqual(c.log.slice(resetAt + 1), range(resetCursor + 1, 20), `${c.name} after the reset`);
      assert.equal(c.log.filter((l) => l.startsWith('reset')).length, 1, `${c.name}: one reset`);
    }
  });

  it('a second reconnect after a recovery repeats nothing (socket.io #5419) and needs no reset', async () => {
    const s = await startTestServer();
    cleanups.push(() => s.close());
    // A TCP proxy between the clients and the server, so the network can be cut.
    const pairs = new Set<Socket>();
    const proxy = createServer((inbound) => {
      const outbound = tcpConnect(Number(new URL(s.url).port), '127.0.0.1');
      for (const [a, b] of [
        [inbound, outbound],
        [outbound, inbound],
      ] as const) {
        a.on('error', () => b.destroy());
        a.on('close', () => b.destroy());
        a.pipe(b);
        pairs.add(a);
        a.once('close', () => pairs.delete(a));
      }
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise((resolve) => proxy.close(resolve)));
    const address = proxy.address();
    const proxyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const cut = () => {
      for (const socket of pairs) socket.destroy();
    };
    const clients = startClients(proxyUrl);
    cleanups.push(() => {
      for (const c of clients) c.transport.stop();
    });
    let seq = 0;
    for (let round = 1; round <= 3; round++) {
      for (let i = 0; i < 10; i++) seq = Number((await publish(s.url, `r${round} ${i}`)).json.seq);
      await waitFor(() => clients.every((c) => c.last() === seq), 20_000, `round ${round}`);
      cut();
    }
    for (let i = 0; i < 10; i++) seq = Number((await publish(s.url, `last ${i}`)).json.seq);
    await waitFor(() => clients.every((c) => c.last() === seq), 20_000, 'after the third cut');
    for (const c of clients) assert.deepEqual(c.log, range(1, seq), `${c.name}: every message once, no reset`);
  });
});
