/**
 * The server under test, as its own process (spawned pinned to the server core by
 * server-process.ts): a quiet pushrace server (no built-in sources, no publish limit, a free
 * port) plus the process metrics only it can take about itself — CPU time, RSS, event-loop
 * delay — answered over IPC. Harness-only: `npm start` never runs this file.
 */
import { createServer, type Server } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import Koa from 'koa';
import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/server.ts';
import { serveIpc } from './ipc.ts';

/** What `usage` answers: the server process over the window since the last `mark`. */
export interface ServerUsageSample {
  /** CPU time (user + system) / wall time since `mark`, percent of one core. */
  cpuPercent: number;
  /** Wall time since `mark`, ms. */
  wallMs: number;
  /** p99 of the event-loop delay since `mark`, ms. */
  eventLoopDelayP99Ms: number;
  /** RSS now (after a full GC when asked), bytes. */
  rssBytes: number;
  /**
   * How long the event-loop turn that published each message took, from its `ts` to the next
   * check phase: the server's own share of the fan-out (every write to every client of the
   * message happens in that turn). Null when nothing was published since `mark`.
   */
  fanout: { count: number; p50Ms: number; p99Ms: number; maxMs: number } | null;
}

/** The bare Koa route of the capacity scenario: the same small JSON answer, no middleware. */
export const BARE_PATH = '/hello';

const host = process.env.HARNESS_HOST ?? '127.0.0.1';
// Quiet (no built-in sources), unlimited publishing, no connection caps (10 000 clients come
// from a handful of loopback addresses), and a log that only speaks of errors.
const config = loadConfig({}, [], {
  port: 0,
  host,
  sources: [],
  publishRate: 0,
  maxConnections: 0,
  maxConnectionsPerIp: 0,
  logLevel: 'error',
});
const server = await startServer(config);

// The first subscriber: called before any transport's listener, it times the whole turn.
const fanoutMs: number[] = [];
server.feed.subscribe((m) => {
  setImmediate(() => fanoutMs.push(performance.timeOrigin + performance.now() - m.ts));
});

const eld = monitorEventLoopDelay({ resolution: 5 });
eld.enable();
let mark = { cpu: process.cpuUsage(), at: performance.now() };
let bare: Server | undefined;

const rss = (gc: boolean) => {
  if (gc) globalThis.gc?.();
  return process.memoryUsage.rss();
};

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

const send = serveIpc({
  mark() {
    eld.reset();
    fanoutMs.length = 0;
    mark = { cpu: process.cpuUsage(), at: performance.now() };
    return null;
  },
  usage(args): ServerUsageSample {
    const cpu = process.cpuUsage(mark.cpu);
    const wallMs = performance.now() - mark.at;
    const sorted = [...fanoutMs].sort((a, b) => a - b);
    return {
      cpuPercent: wallMs > 0 ? ((cpu.user + cpu.system) / 1000 / wallMs) * 100 : 0,
      wallMs,
      eventLoopDelayP99Ms: eld.count > 0 ? eld.percentile(99) / 1e6 : 0,
      rssBytes: rss(args === true),
      fanout:
        sorted.length > 0
          ? {
              count: sorted.length,
              p50Ms: quantile(sorted, 0.5),
              p99Ms: quantile(sorted, 0.99),
              maxMs: sorted[sorted.length - 1] ?? 0,
            }
          : null,
    };
  },
  rss(args) {
    return rss(args === true);
  },
  /** `process.memoryUsage()`, after a full GC when asked: the soak tells a leak from allocator slack. */
  memory(args): NodeJS.MemoryUsage {
    if (args === true) globalThis.gc?.();
    return process.memoryUsage();
  },
  /**
   * The snapshot `GET /api/stats` answers, read without a request: under overload (10 000
   * polling clients) the server may not accept a new connection for minutes, and the
   * harness must still read its counters.
   */
  stats() {
    return server.stats.snapshot(server.feed);
  },
  /** What `GET /healthz` says about the feed: where new clients start. */
  health() {
    return { epoch: server.feed.epoch, head: server.feed.head };
  },
  async bare() {
    if (!bare) {
      const app = new Koa();
      app.use((ctx) => {
        ctx.body = { hello: 'world' };
      });
      const s = createServer(app.callback());
      await new Promise<void>((resolve) => s.listen(0, host, resolve));
      bare = s;
    }
    const address = bare.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return `http://${host}:${port}${BARE_PATH}`;
  },
  async stop() {
    bare?.closeAllConnections();
    bare?.close();
    await server.close();
    // Exit after the reply is on its way; --cpu-prof writes its profile at exit.
    setTimeout(() => process.exit(0), 50);
    return null;
  },
});

send('ready', server.url);
