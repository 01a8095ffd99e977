/**
 * Measures how long the server takes to answer `/healthz`, from its own process (so a busy test
 * process does not add to the figure): `node --import tsx healthz-probe.ts <url> <everyMs> <maxMs>`
 * asks every `everyMs` (one request at a time, a fresh connection each, as a load balancer's
 * health check would) until SIGTERM or `maxMs`, then prints one JSON line:
 * `{"count":n,"failures":n,"maxMs":…,"p99Ms":…,"slowest":[…]}`. A request unanswered at the end
 * counts as its time so far, so a server that froze shows up as frozen. With a fourth argument,
 * `<controlUrl>` (an idle server started alongside), every tick also asks the control, from this
 * same process, and the line gains `control: {count, failures, maxMs, p99Ms}`: what the machine
 * alone (CPU contention, this prober's own scheduling) costs a `/healthz` at the same moments.
 */
import { request } from 'node:http';

const [url = '', everyMs = '50', maxMs = '60000', controlUrl] = process.argv.slice(2);
let running = true;

/** The figures of one probed server. */
interface Target {
  url: string;
  times: number[];
  failures: number;
  pendingSince: number | undefined;
}
const target = (u: string): Target => ({ url: u, times: [], failures: 0, pendingSince: undefined });
const main = target(url);
const control = controlUrl === undefined ? undefined : target(controlUrl);

const ask = (t: Target) =>
  new Promise<void>((resolve) => {
    const started = performance.now();
    t.pendingSince = started;
    const req = request(`${t.url}/healthz`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        t.times.push(performance.now() - started);
        if (res.statusCode !== 200) t.failures++;
        t.pendingSince = undefined;
        resolve();
      });
    });
    req.on('error', () => {
      t.failures++;
      t.times.push(performance.now() - started);
      t.pendingSince = undefined;
      resolve();
    });
    req.end();
  });

const round = (x: number | undefined) => Math.round((x ?? Number.NaN) * 10) / 10;
const figures = (t: Target) => {
  if (t.pendingSince !== undefined) t.times.push(performance.now() - t.pendingSince);
  const sorted = [...t.times].sort((a, b) => a - b);
  return {
    count: t.times.length,
    failures: t.failures,
    maxMs: round(sorted[sorted.length - 1]),
    p99Ms: round(sorted[Math.floor(sorted.length * 0.99)]),
    slowest: sorted.slice(-3).map(round),
  };
};

const report = () => {
  const line = { ...figures(main), ...(control === undefined ? {} : { control: figures(control) }) };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  process.exit(0);
};
process.on('SIGTERM', () => {
  running = false;
  report();
});
setTimeout(report, Number(maxMs)).unref();
process.send?.('started');
while (running) {
  // Both asked in the same tick, concurrently, so both see the same moment of the machine.
  await Promise.all([ask(main), ...(control === undefined ? [] : [ask(control)])]);
  await new Promise((r) => setTimeout(r, Number(everyMs)));
}
