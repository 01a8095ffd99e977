/**
 * `npx tsx experiments/cluster/run.ts [--quick] [--out DIR]` (also `npm run experiment -- cluster`):
 * the same steady load against the three topologies (topology.ts), transports one after
 * another, repetitions interleaved (a b c, c b a) so that a slow spell of this shared machine
 * does not fall on one topology only. Per window: latency (receive time − publish `ts`) p50 and
 * p99, deliveries a second, lost and duplicated messages, and the CPU time of every process
 * (each instance, Redis, nginx) from /proc. Writes DIR/results.json, DIR/report.md and DIR/report.html.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { createTransport } from '../../client/lib/index.ts';
import type { FeedMessage, TransportName } from '../../protocol/wire.ts';
import { CORES, pinSelf } from '../harness/pin.ts';
import { type ClusterResults, type ClusterWindow, writeClusterReports } from './render.ts';
import { CLUSTER_TRANSPORTS, cpuMs, startTopology, TOPOLOGIES, type TopologyName } from './topology.ts';

/** Full and quick parameters. */
export const CLUSTER_DEFAULTS = {
  full: { clients: 20, ratePerSec: 20, durationMs: 8000, reps: 3, pollIntervalMs: 1000 },
  quick: { clients: 10, ratePerSec: 20, durationMs: 2500, reps: 1, pollIntervalMs: 1000 },
};
type Params = (typeof CLUSTER_DEFAULTS)['full'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** One transport's window against a running topology. */
async function window(
  url: string,
  transport: TransportName,
  p: Params,
  processes: readonly { name: string; pid: number }[],
): Promise<Omit<ClusterWindow, 'topology' | 'rep'>> {
  const head = ((await (await fetch(`${url}/healthz`)).json()) as { head: number; epoch: string }).head;
  const seen: number[][] = [];
  const latencies: number[] = [];
  const clients = Array.from({ length: p.clients }, (_, i) => {
    const got: number[] = [];
    seen.push(got);
    const c = createTransport(transport, { baseUrl: url, pollIntervalMs: p.pollIntervalMs, WebSocket, EventSource });
    // Poll clients spread over one interval, as browsers opened at different times would be.
    setTimeout(
      () =>
        c.start(
          { after: head },
          {
            messages: (batch: FeedMessage[], meta: { receivedAt: number }) => {
              for (const m of batch) {
                got.push(m.seq);
                latencies.push(meta.receivedAt - m.ts);
              }
            },
            reset: () => {},
            error: () => {},
          },
        ),
      transport === 'poll' ? (i / p.clients) * p.pollIntervalMs : 0,
    );
    return c;
  });
  await sleep(p.pollIntervalMs + 500);
  const before = processes.map((x) => cpuMs(x.pid));
  const started = now();
  const published: number[] = [];
  // Poisson arrivals on an absolute timeline, each publish sent without waiting for the one
  // before: a slow answer (a busy machine, the Redis hop) does not lower the offered rate.
  const sending: Promise<void>[] = [];
  for (let t = -Math.log(1 - Math.random()) * (1000 / p.ratePerSec); t < p.durationMs; ) {
    await sleep(Math.max(0, t - (now() - started)));
    const body = JSON.stringify({ body: `m${sending.length}`, source: 'bench' });
    sending.push(
      fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
        async (res) => {
          if (res.ok) published.push(((await res.json()) as { seq: number }).seq);
          else await res.arrayBuffer();
        },
        () => {},
      ),
    );
    t += -Math.log(1 - Math.random()) * (1000 / p.ratePerSec);
  }
  await Promise.all(sending);
  const publishMs = now() - started;
  // Drain: every client has every message, or 3 s more.
  for (const until = now() + p.pollIntervalMs + 3000; now() < until; await sleep(50)) {
    if (seen.every((s) => s.length >= published.length)) break;
  }
  const wallMs = now() - started;
  const cpu = Object.fromEntries(processes.map((x, i) => [x.name, cpuMs(x.pid) - (before[i] ?? 0)]));
  for (const c of clients) c.stop();
  const want = new Set(published);
  let lost = 0;
  let duplicated = 0;
  for (const s of seen) {
    const got = new Set(s);
    duplicated += s.length - got.size;
    for (const seq of want) if (!got.has(seq)) lost++;
  }
  const sorted = latencies.sort((a, b) => a - b);
  return {
    transport,
    clients: p.clients,
    published: published.length,
    deliveries: latencies.length,
    deliveriesPerSec: latencies.length / (publishMs / 1000),
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    lost,
    duplicated,
    cpuMs: cpu,
    loadAverage: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
    wallMs,
    publishMs,
  };
}

/** Runs the experiment with `args` (`--quick`, `--out DIR`); the exit code (3 when a message was lost or duplicated). */
export async function runClusterExperiment(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { quick: { type: 'boolean' }, out: { type: 'string' } } });
  const p = values.quick ? CLUSTER_DEFAULTS.quick : CLUSTER_DEFAULTS.full;
  const dir = resolve(values.out ?? `reports/cluster-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  const build = spawnSync('npm', ['run', '--silent', 'build:server'], { stdio: 'inherit' });
  if (build.status !== 0) return build.status ?? 1;
  const pinned = pinSelf(CORES.load);
  const windows: ClusterWindow[] = [];
  const started = new Date();
  for (let rep = 0; rep < p.reps; rep++) {
    const order: TopologyName[] = rep % 2 === 0 ? [...TOPOLOGIES] : [...TOPOLOGIES].reverse();
    for (const topology of order) {
      const top = await startTopology(topology);
      try {
        for (const transport of CLUSTER_TRANSPORTS) {
          const w = await window(top.url, transport, p, top.processes);
          windows.push({ topology, rep, ...w });
          console.log(
            `${topology} ${transport} rep ${rep}: p50 ${w.p50Ms.toFixed(1)} ms, p99 ${w.p99Ms.toFixed(1)} ms, ${w.deliveriesPerSec.toFixed(0)}/s, lost ${w.lost}, dup ${w.duplicated}`,
          );
        }
      } finally {
        await top.close();
      }
    }
  }
  const results: ClusterResults = {
    scenario: 'cluster',
    params: { ...p, quick: values.quick === true },
    startedAt: started.toISOString(),
    tookS: Math.round((Date.now() - started.getTime()) / 1000),
    machine: { node: process.version, pinned },
    windows,
  };
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(writeClusterReports(dir, results));
  const lost = windows.reduce((n, w) => n + w.lost + w.duplicated, 0);
  return lost > 0 ? 3 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(await runClusterExperiment(process.argv.slice(2)));
