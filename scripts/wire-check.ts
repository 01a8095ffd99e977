/**
 * Holds the socket meter against a packet capture. For each transport (socket.io on each of its
 * own two: websocket and polling): a fresh server on its
 * own port, one client (client/lib, as the browser runs it) receiving `--messages` messages
 * published in-process (so the port carries nothing but that transport), then the server's
 * /api/stats next to the TCP payload bytes tshark saw on that port, per direction.
 *
 *   npx tsx scripts/wire-check.ts [--messages 50] [--body-bytes 40]
 *
 * Without tshark it still prints the meter's figures and says the capture was skipped.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
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

const { values } = parseArgs({
  options: { messages: { type: 'string', default: '50' }, 'body-bytes': { type: 'string', default: '40' } },
});
const MESSAGES = Number(values.messages);
/** The binary messages' bytes: every byte value, repeated to 3 000. */
const BINARY = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 0xff));
const BODY = 'x'.repeat(Number(values['body-bytes']));

const hasTshark = (() => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function startCapture(port: number, file: string): Promise<ChildProcess> {
  const proc = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file, '-q'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('tshark did not start within 10 s')), 10_000);
    proc.stderr?.on('data', (d: Buffer) => {
      if (String(d).includes('Capturing on')) {
        clearTimeout(timer);
        resolve(proc);
      }
    });
    proc.once('error', reject);
  });
}

/** Sums TCP payload bytes per direction (to the server port, from it) in a capture file. */
function captured(file: string, port: number): { toServer: number; fromServer: number } {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.dstport', '-e', 'tcp.len'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let toServer = 0;
  let fromServer = 0;
  for (const line of out.split('\n')) {
    const [dst, len] = line.split('\t');
    if (!len) continue;
    if (Number(dst) === port) toServer += Number(len);
    else fromServer += Number(len);
  }
  return { toServer, fromServer };
}

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
  const server = await startServer(loadConfig({}, [], { port: 0, sources: [], sseHeartbeatMs: 600_000 }));
  const port = Number(new URL(server.url).port);
  const file = join(dir, `${label.replace(/\W+/g, '-')}.pcap`);
  const capture = hasTshark ? await startCapture(port, file) : undefined;
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
  for (let i = 0; i < MESSAGES; i++) {
    // One message in ten is binary (3 000 bytes): raw on the WebSocket, base64 on the others.
    const input =
      i % 10 === 9
        ? { source: 'bench' as const, body: BINARY.toString('base64'), encoding: 'base64' as const }
        : { source: 'bench' as const, body: BODY };
    await server.feed.publish(input);
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
  return { t, other: counts.other, wire };
}

const dir = mkdtempSync(join(tmpdir(), 'pushrace-wire-'));
const rows: string[] = [];
let allMatch = true;
for (const c of CASES) {
  const { t, other, wire } = await run(c, dir);
  const inTotal = t.bytesIn.header + t.bytesIn.payload + other.bytesIn.header + other.bytesIn.payload;
  const outTotal = t.bytesOut.header + t.bytesOut.payload + other.bytesOut.header + other.bytesOut.payload;
  const per = (n: number) => (t.delivered > 0 ? (n / t.delivered).toFixed(1) : '–');
  const match = wire ? wire.toServer === inTotal && wire.fromServer === outTotal : undefined;
  if (match === false) allMatch = false;
  rows.push(
    `| ${c.label} | ${t.delivered} | ${t.requests} | ${per(t.bytesOut.header)} | ${per(t.bytesOut.payload)} | ${per(t.bytesIn.header)} | ${per(t.bytesIn.payload)} | ${inTotal} / ${outTotal} | ${wire ? `${wire.toServer} / ${wire.fromServer}` : 'skipped (no tshark)'} | ${match === undefined ? '–' : match ? 'exact' : 'MISMATCH'} |`,
  );
}
rmSync(dir, { recursive: true, force: true });
console.log(
  `${MESSAGES} messages per transport, one client each: ${BODY.length}-byte bodies, every tenth a ${BINARY.length}-byte binary\n`,
);
console.log(
  '| transport | delivered | requests | out header/msg | out payload/msg | in header/msg | in payload/msg | meter in / out (B) | capture in / out (B) | |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
process.exit(allMatch ? 0 : 1);
