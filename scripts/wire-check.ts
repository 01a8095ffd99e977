/**
 * Holds the socket meter against a packet capture. For each transport (socket.io on each of its
 * own two: websocket and polling): a fresh server on its
 * own port, one client (client/lib, as the browser runs it) receiving `--messages` messages
 * published in-process (so the port carries nothing but that transport), then the server's
 * /api/stats next to the TCP payload bytes tshark saw on that port, per direction.
 *
 *   npx tsx scripts/wire-check.ts [--messages 50] [--body-bytes 40] [--workers 2]
 *
 * `--workers N` checks a cluster instead (wire-check-cluster.ts): N node:cluster workers on one
 * Redis feed (a redis-server of this run), N clients per transport, one per worker, the
 * messages published over HTTP; the meter's figures are /api/stats's sums over the workers.
 *
 * Without tshark it still prints the meter's figures and says the capture was skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { type ClientOptions, createTransport } from '../client/lib/index.ts';
import { TRANSPORT_NAMES, type TransportName, type TransportStats } from '../protocol/wire.ts';
import { loadConfig } from '../server/config.ts';
import { startServer } from '../server/server.ts';
import { startRedis } from '../test/support/redis.ts';
import { captured, hasTshark, startCapture } from './capture.ts';
import { type CheckInput, runCluster } from './wire-check-cluster.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '50' },
    'body-bytes': { type: 'string', default: '40' },
    workers: { type: 'string', default: '1' },
  },
});
const WORKERS = Number(values.workers);
const MESSAGES = Number(values.messages);
/** The binary messages' bytes: every byte value, repeated to 3 000. */
const BINARY = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 0xff));
const BODY = 'x'.repeat(Number(values['body-bytes']));
/** One message in ten is binary (3 000 bytes): raw on the WebSocket, base64 on the others. */
const INPUTS: CheckInput[] = Array.from({ length: MESSAGES }, (_, i) =>
  i % 10 === 9 ? { body: BINARY.toString('base64'), encoding: 'base64' } : { body: BODY },
);

/**
 * The server's own loopback address: no other process's connection (a load test running
 * meanwhile) can then share its capture filter (see `startCapture`).
 */
const HOST = '127.0.0.201';

/** One run: a transport, and the client options that choose socket.io's own transport. */
interface Case {
  name: TransportName;
  label: string;
  options?: Partial<ClientOptions>;
}

const CASES: readonly Case[] = [
  ...TRANSPORT_NAMES.filter((name) => name !== 'socketio').map((name) => ({ name, label: name })),
  { name: 'socketio', label: 'socketio (websocket)', options: { socketioTransport: 'websocket' } },
  { name: 'socketio', label: 'socketio (polling)', options: { socketioTransport: 'polling' } },
];

async function run({ name, label, options }: Case, dir: string) {
  const config = { host: HOST, port: 0, sources: [], sseHeartbeatMs: 600_000 };
  const server = await startServer(loadConfig({}, [], config));
  const port = Number(new URL(server.url).port);
  const file = join(dir, `${label.replace(/\W+/g, '-')}.pcap`);
  const capture = hasTshark ? await startCapture(port, file, HOST) : undefined;
  // tshark says "Capturing on" a moment before packets are really captured.
  if (capture) await new Promise((r) => setTimeout(r, 1500));
  const client = createTransport(name, {
    baseUrl: server.url,
    pollIntervalMs: 100,
    WebSocket,
    EventSource,
    ...options,
  });
  let received = 0;
  const done = new Promise<void>((resolve) => {
    client.start(
      {},
      {
        messages: (batch) => {
          received += batch.length;
          if (received >= MESSAGES) resolve();
        },
        reset: () => {},
        error: () => {},
      },
    );
  });
  // Wait until the client is connected (its first answer or hello), then publish.
  await new Promise((r) => setTimeout(r, 300));
  for (const input of INPUTS) {
    await server.feed.publish({ source: 'bench', ...input });
    await new Promise((r) => setTimeout(r, 20));
  }
  await done;
  client.stop();
  await server.close();
  const counts = server.stats.counts();
  const t: TransportStats = counts.transports[name];
  let wire: { toServer: number; fromServer: number } | undefined;
  if (capture) {
    await new Promise((r) => setTimeout(r, 500));
    capture.kill('SIGINT');
    await new Promise((r) => capture.once('exit', r));
    wire = captured(file, port);
  }
  return { t, other: counts.other, wire, perInstance: '' };
}

const dir = mkdtempSync(join(tmpdir(), 'pushrace-wire-'));
const rows: string[] = [];
let allMatch = true;
const redis = WORKERS > 1 ? await startRedis() : undefined;
// socket.io's own sessions live in one process: without sticky sessions a cluster cannot serve
// them (its polling breaks), so the cluster check is of pushrace's four transports.
for (const c of redis ? CASES.filter((k) => k.name !== 'socketio') : CASES) {
  const { t, other, wire, perInstance } = redis
    ? await runCluster(c.name, { dir, workers: WORKERS, redisUrl: redis.url, inputs: INPUTS })
    : await run(c, dir);
  const inTotal = t.bytesIn.header + t.bytesIn.payload + other.bytesIn.header + other.bytesIn.payload;
  const outTotal = t.bytesOut.header + t.bytesOut.payload + other.bytesOut.header + other.bytesOut.payload;
  const per = (n: number) => (t.delivered > 0 ? (n / t.delivered).toFixed(1) : '–');
  const match = wire ? wire.toServer === inTotal && wire.fromServer === outTotal : undefined;
  if (match === false) allMatch = false;
  rows.push(
    `| ${c.label} | ${t.delivered}${perInstance ? ` (${perInstance})` : ''} | ${t.requests} | ${per(t.bytesOut.header)} | ${per(t.bytesOut.payload)} | ${per(t.bytesIn.header)} | ${per(t.bytesIn.payload)} | ${inTotal} / ${outTotal} | ${wire ? `${wire.toServer} / ${wire.fromServer}` : 'skipped (no tshark)'} | ${match === undefined ? '–' : match ? 'exact' : 'MISMATCH'} |`,
  );
}
rmSync(dir, { recursive: true, force: true });
await redis?.close();
const who = redis ? `${WORKERS} workers on Redis, one client per worker` : 'one client each';
console.log(
  `${MESSAGES} messages per transport, ${who}: ${BODY.length}-byte bodies, every tenth a ${BINARY.length}-byte binary\n`,
);
console.log(
  '| transport | delivered | requests | out header/msg | out payload/msg | in header/msg | in payload/msg | meter in / out (B) | capture in / out (B) | |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
process.exit(allMatch ? 0 : 1);
