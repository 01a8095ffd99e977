/**
 * A publish flood from one client, as its own process: `node --import tsx flood-child.ts <url>
 * <connections> <maxMs>` POSTs to <url>/api/messages on `connections` keep-alive sockets as fast
 * as the server answers, until SIGTERM or `maxMs` (bounded either way), then prints one JSON
 * line: `{"requests":n,"byStatus":{"429":…},"ms":…}`. Its own process, so its CPU is not the server's
 * nor the measuring client's.
 */
import { Agent, request } from 'node:http';

const [url = '', connections = '8', maxMs = '20000'] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: Number(connections) });
const body = JSON.stringify({ body: 'flood' });
const byStatus: Record<string, number> = {};
let requests = 0;
let running = true;
const started = performance.now();

const post = () =>
  new Promise<void>((resolve) => {
    const req = request(
      `${url}/api/messages`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          requests++;
          const k = String(res.statusCode);
          byStatus[k] = (byStatus[k] ?? 0) + 1;
          resolve();
        });
      },
    );
    req.on('error', () => resolve());
    req.end(body);
  });

const loop = async () => {
  while (running) await post();
};
const stop = () => {
  running = false;
};
process.on('SIGTERM', stop);
setTimeout(stop, Number(maxMs)).unref();
process.send?.('started');
await Promise.all(Array.from({ length: Number(connections) }, loop));
agent.destroy();
process.stdout.write(`${JSON.stringify({ requests, byStatus, ms: Math.round(performance.now() - started) })}\n`);
