/**
 * wire-check's cluster run (`--workers N`): the meter's sum over N node:cluster workers on one
 * Redis feed, held against one capture of the shared port. Each worker meters its own sockets
 * and /api/stats sums them; if the sum is exact, so is every part.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { createTransport } from '../client/lib/index.ts';
import type { StatsResponse, TransportName } from '../protocol/wire.ts';
import { captured, hasTshark, startCapture } from './capture.ts';

/** A message wire-check publishes: text, or bytes (base64 here, sent raw as octet-stream). */
export interface CheckInput {
  body: string;
  encoding?: 'base64';
}

/** Starts `server/main.ts --workers N` on a free port and resolves with the port once every worker listens. */
async function startCluster(workers: number, redisUrl: string, prefix: string) {
  const args = ['--import', 'tsx', 'server/main.ts', '--workers', String(workers), '--port', '0'];
  args.push('--sources', 'none', '--redis-url', redisUrl, '--redis-prefix', prefix, '--publish-rate', '0');
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the cluster did not start in 30 s: ${out}`)), 30_000);
    proc.stdout?.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /cluster of \d+ workers on port (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.once('exit', (code) => reject(new Error(`the cluster exited (${code}): ${out}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  return { port, stop };
}

/**
 * GET /api/stats on a connection of its own, by hand, so its bytes are known: the request is
 * in the meter's count (read before the answer is made), its answer is not; the capture
 * leaves the connection out, and the caller subtracts the request.
 */
function statsRequest(port: number): Promise<{ stats: StatsResponse; localPort: number; requestBytes: number }> {
  const request = `GET /api/stats HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('error', reject);
    socket.once('connect', () => socket.write(request));
    socket.once('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      resolve({
        stats: JSON.parse(body) as StatsResponse,
        localPort: socket.localPort ?? 0,
        requestBytes: request.length,
      });
    });
  });
}

/**
 * One transport against a cluster of `workers`: as many clients as workers (each connection
 * goes to the next worker, so every worker serves one), the messages published over HTTP to
 * the cluster, then the summed stats next to the capture.
 */
export async function runCluster(
  name: TransportName,
  opts: { dir: string; workers: number; redisUrl: string; inputs: readonly CheckInput[] },
) {
  const cluster = await startCluster(opts.workers, opts.redisUrl, `wire-${name}-${Date.now()}`);
  const url = `http://127.0.0.1:${cluster.port}`;
  const file = join(opts.dir, `${name}-cluster.pcap`);
  const capture = hasTshark ? await startCapture(cluster.port, file) : undefined;
  if (capture) await new Promise((r) => setTimeout(r, 1500));
  const clients = Array.from({ length: opts.workers }, () =>
    createTransport(name, { baseUrl: url, pollIntervalMs: 100, WebSocket, EventSource }),
  );
  const done = clients.map(
    (client) =>
      new Promise<void>((resolve) => {
        let received = 0;
        client.start(
          {},
          {
            messages: (batch) => {
              received += batch.length;
              if (received >= opts.inputs.length) resolve();
            },
            reset: () => {},
            error: () => {},
          },
        );
      }),
  );
  await new Promise((r) => setTimeout(r, 500));
  for (const input of opts.inputs) {
    const res = await fetch(
      `${url}/api/messages`,
      input.encoding
        ? {
            method: 'POST',
            headers: { 'content-type': 'application/octet-stream' },
            body: Buffer.from(input.body, 'base64'),
          }
        : {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ body: input.body }),
          },
    );
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.all(done);
  for (const c of clients) c.stop();
  await new Promise((r) => setTimeout(r, 300));
  const { stats, localPort, requestBytes } = await statsRequest(cluster.port);
  await cluster.stop();
  let wire: { toServer: number; fromServer: number } | undefined;
  if (capture) {
    await new Promise((r) => setTimeout(r, 500));
    capture.kill('SIGINT');
    await new Promise((r) => capture.once('exit', r));
    wire = captured(file, cluster.port, [localPort]);
  }
  // The stats request's own bytes: counted as `other`, left out of the capture.
  stats.other.bytesIn.header -= requestBytes;
  const perInstance = Object.entries(stats.instances ?? {})
    .map(([instance, s]) => `${instance.replace(/^.*-/, '')} ${s.transports[name].delivered}`)
    .join(', ');
  return { name, t: stats.transports[name], other: stats.other, wire, perInstance };
}
