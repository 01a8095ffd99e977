/**
 * Measures how long the server takes to answer `/healthz`, from its own process (so a busy test
 * process does not add to the figure): `node --import tsx healthz-probe.ts <url> <everyMs> <maxMs>`
 * asks every `everyMs` (one request at a time, a fresh connection each, as a load balancer's
 * health check would) until SIGTERM or `maxMs`, then prints one JSON line:
 * `{"count":n,"failures":n,"maxMs":…,"p99Ms":…,"slowest":[…]}`. A request unanswered at the end
 * counts as its time so far, so a server that froze shows up as frozen.
 */
import { request } from 'node:http';

const [url = '', everyMs = '50', maxMs = '60000'] = process.argv.slice(2);
const times: number[] = [];
let failures = 0;
let running = true;
let pendingSince: number | undefined;

const ask = () =>
  new Promise<void>((resolve) => {
    const started = performance.now();
    pendingSince = started;
    const req = request(`${url}/healthz`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        times.push(performance.now() - started);
        if (res.statusCode !== 200) failures++;
        pendingSince = undefined;
        resolve();
      });
    });
    req.on('error', () => {
      failures++;
      times.push(performance.now() - started);
      pendingSince = undefined;
      resolve();
    });
    req.end();
  });

const report = () => {
  if (pendingSince !== undefined) times.push(performance.now() - pendingSince);
  const sorted = [...times].sort((a, b) => a - b);
  const round = (x: number | undefined) => Math.round((x ?? Number.NaN) * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({
      count: times.length,
      failures,
      maxMs: round(sorted[sorted.length - 1]),
      p99Ms: round(sorted[Math.floor(sorted.length * 0.99)]),
      slowest: sorted.slice(-3).map(round),
    })}\n`,
  );
  process.exit(0);
};
process.on('SIGTERM', () => {
  running = false;
  report();
});
setTimeout(report, Number(maxMs)).unref();
process.send?.('started');
while (running) {
  await ask();
  await new Promise((r) => setTimeout(r, Number(everyMs)));
}
