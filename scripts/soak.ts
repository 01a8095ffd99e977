/**
 * Soak: `tsx scripts/soak.ts [--minutes 10] [--clients 5] [--rate 50]`. Starts the server as a
 * child process, runs `clients` clients of each of the four transports that stop and resume
 * from their position at random (every 0.5–5 s), publishes `rate` messages a second over HTTP,
 * and at the end checks every client got every seq exactly once, in order. Reports lost,
 * duplicated and out-of-order counts, and the server's RSS after warm-up (once the history is
 * full) and at the end.
 * Exit code 0 only with 0 lost, 0 duplicated and RSS within 10 %.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { type ClientTransport, createTransport, publishHttp } from '../client/lib/index.ts';
import { TRANSPORT_NAMES, type TransportName } from '../protocol/wire.ts';

const { values } = parseArgs({
  options: { minutes: { type: 'string' }, clients: { type: 'string' }, rate: { type: 'string' } },
});
const minutes = Number(values.minutes ?? 10);
const perTransport = Number(values.clients ?? 5);
const rate = Number(values.rate ?? 50);

const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', '--sources', 'none'], {
  env: { ...process.env, LOG_LEVEL: 'warn', PUBLISH_RATE: '0' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
// The server child never outlives the soak, however it ends.
process.on('exit', () => proc.kill('SIGKILL'));
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    const m = /serving (https?:\/\/\S+)/.exec(out);
    if (m?.[1]) resolve(m[1]);
  });
  proc.once('exit', (code) => reject(new Error(`server exited ${code}`)));
});

async function serverRss(): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^pushrace_process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

interface Tally {
  name: TransportName;
  transport: ClientTransport;
  last: number;
  lost: number;
  duplicated: number;
  resets: number;
  received: number;
  reconnects: number;
}

const tallies: Tally[] = [];
const timers: Array<ReturnType<typeof setTimeout>> = [];
const head0 = ((await (await fetch(`${url}/healthz`)).json()) as { head: number; epoch: string }).epoch;
for (const name of TRANSPORT_NAMES) {
  for (let i = 0; i < perTransport; i++) {
    const transport = createTransport(name, {
      baseUrl: url,
      WebSocket,
      EventSource,
      pollIntervalMs: 500,
      backoff: { initialMs: 50, maxMs: 2000 },
    });
    const t: Tally = { name, transport, last: 0, lost: 0, duplicated: 0, resets: 0, received: 0, reconnects: 0 };
    tallies.push(t);
    const handlers = {
      messages(batch: Array<{ seq: number }>) {
        for (const m of batch) {
          if (m.seq <= t.last) t.duplicated++;
          else {
            if (m.seq !== t.last + 1) t.lost += m.seq - t.last - 1;
            t.last = m.seq;
            t.received++;
          }
        }
      },
      reset() {
        t.resets++;
      },
      error() {},
    };
    transport.start({ after: 0, epoch: head0 }, handlers);
    const bounce = () => {
      const timer = setTimeout(
        () => {
          const position = transport.position;
          transport.stop();
          t.reconnects++;
          transport.start(position, handlers);
          bounce();
        },
        500 + Math.random() * 4500,
      );
      timers.push(timer);
    };
    bounce();
  }
}
let published = 0;
let publishErrors = 0;
let publishing = true;
const publisher = (async () => {
  const started = performance.now();
  while (publishing) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (published < due && publishing) {
      try {
        await publishHttp(url, { body: `soak ${published}`, id: `soak-${published}` });
        published++;
      } catch {
        publishErrors++;
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
})();

const durationMs = minutes * 60_000;
// Warm-up lasts until the feed's history (10 000 messages) is full: before that the ring buffer
// is still growing, and RSS with it, by design. Then at least a minute, at most half the run.
const historyFullMs = (10_000 / rate) * 1000 + 10_000;
const warmupMs = Math.min(durationMs / 2, Math.max(60_000, historyFullMs));
await new Promise((r) => setTimeout(r, warmupMs));
const rssWarm = await serverRss();
console.log(`soak: warm-up done, server RSS ${(rssWarm / 2 ** 20).toFixed(1)} MiB; running ${minutes} min`);
const progress = setInterval(() => {
  const behind = tallies.filter((t) => t.last < published).length;
  console.log(`soak: ${published} published, ${behind} clients catching up`);
}, 60_000);
await new Promise((r) => setTimeout(r, durationMs - warmupMs));
publishing = false;
await publisher;
clearInterval(progress);
for (const t of timers) clearTimeout(t);
const until = Date.now() + 30_000;
while (tallies.some((t) => t.last < published) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
const rssEnd = await serverRss();
for (const t of tallies) t.transport.stop();
proc.kill('SIGTERM');

const sum = (f: (t: Tally) => number) => tallies.reduce((a, t) => a + f(t), 0);
const report = {
  minutes,
  clients: tallies.length,
  published,
  publishErrors,
  delivered: sum((t) => t.received),
  expected: published * tallies.length,
  lost: sum((t) => t.lost) + sum((t) => Math.max(0, published - t.last)),
  duplicated: sum((t) => t.duplicated),
  resets: sum((t) => t.resets),
  reconnects: sum((t) => t.reconnects),
  rssWarmMiB: Number((rssWarm / 2 ** 20).toFixed(1)),
  rssEndMiB: Number((rssEnd / 2 ** 20).toFixed(1)),
  rssChangePct: Number((((rssEnd - rssWarm) / rssWarm) * 100).toFixed(1)),
};
console.log(JSON.stringify(report, null, 2));
const ok = report.lost === 0 && report.duplicated === 0 && report.resets === 0 && Math.abs(report.rssChangePct) <= 10;
process.exit(ok ? 0 : 1);
