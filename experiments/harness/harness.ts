/**
 * The harness a scenario runs on: the server child on its own core, the load processes and
 * the harness itself on the other, and the two measurements a scenario can ask for — a Run of
 * transports measured one after another (`measure`), and a route capacity comparison
 * (`capacity`). It returns data and emits events; it never prints.
 */

import { startDelayProxy } from '../delay-proxy.ts';
import type { CapacityResult, Run, TransportResult } from '../results-schema.ts';
import { compareRoutes } from './capacity.ts';
import type { HarnessListener } from './events.ts';
import { type LoadPool, startLoadPool } from './load-process.ts';
import { type Measured, measureTransport, type RunSpec } from './measure.ts';
import { CORES, canPin, pinSelf } from './pin.ts';
import { FeedClient } from './publisher.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

export type { RunSpec } from './measure.ts';

/** Every default of the harness. */
export const HARNESS_DEFAULTS = {
  /** Load processes, all on the load core. */
  loadProcesses: 1,
  /** Loopback source addresses the clients spread over (127.0.0.0/8 is all loopback on Linux). */
  sourceAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'],
  /**
   * A fresh server process for every measured window: each window's RSS baseline is then a
   * clean process, not one holding the freed memory of the previous window's connections.
   */
  freshServerPerWindow: false,
  /** Write a V8 CPU profile of each server process here when it stops (`--cpu-prof`). */
  cpuProfDir: undefined as string | undefined,
  listener: (() => {}) as HarnessListener,
};

/** What a caller may change: any of HARNESS_DEFAULTS (merged `{ ...HARNESS_DEFAULTS, ...options }`). */
export type HarnessOptions = Partial<typeof HARNESS_DEFAULTS>;

/** What a scenario measures with. */
export interface Harness {
  /** Measures each transport of `spec` in turn; the Run, its warnings, and the raw windows. */
  measure(spec: RunSpec): Promise<{ run: Run; warnings: string[]; windows: Partial<Record<string, Measured>> }>;
  /** autocannon on the poll route and the bare Koa route, in the same server process. */
  capacity(opts: {
    connections: number;
    pipelining: number;
    durationMs: number;
    warmupMs: number;
  }): Promise<CapacityResult>;
  /** Whether server and load are pinned to separate cores. */
  readonly pinned: boolean;
  /** Stops every process the harness started. */
  close(): Promise<void>;
}

/** Starts the server child and the load processes (and pins this process to the load core). */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const opts = { ...HARNESS_DEFAULTS, ...definedOnly(options) };
  const emit = opts.listener;
  const pinned = canPin() && pinSelf(CORES.load);
  const serverOpts = opts.cpuProfDir ? { cpuProfDir: opts.cpuProfDir } : {};
  let server: ServerProcess = await startServerProcess(serverOpts);
  let feed = await FeedClient.open(server.url);
  let load: LoadPool;
  try {
    load = await startLoadPool(opts.loadProcesses);
  } catch (err) {
    await server.stop();
    throw err;
  }

  const freshServer = async () => {
    feed.close();
    await server.stop();
    server = await startServerProcess(serverOpts);
    feed = await FeedClient.open(server.url);
  };

  return {
    pinned,
    async measure(spec) {
      const run: Run = { label: spec.label, point: spec.point, transports: {} };
      const warnings: string[] = [];
      const windows: Partial<Record<string, Measured>> = {};
      for (const t of spec.transports) {
        if (opts.freshServerPerWindow) await freshServer();
        const target = new URL(server.url);
        const proxy =
          spec.delayMs === null
            ? null
            : await startDelayProxy({
                target: { host: target.hostname, port: Number(target.port) },
                delayMs: spec.delayMs,
              });
        try {
          const baseUrl = proxy ? `http://${proxy.host}:${proxy.port}` : server.url;
          const m = await measureTransport(
            { server, load, feed, sourceAddresses: opts.sourceAddresses, emit },
            spec,
            t,
            baseUrl,
          );
          run.transports[t] = m.result satisfies TransportResult;
          warnings.push(...m.warnings);
          windows[t] = m;
        } finally {
          await proxy?.close();
        }
      }
      return { run, warnings, windows };
    },
    async capacity(capOpts) {
      const head = await server.health();
      const urls = { poll: `${server.url}/api/poll?after=${head.head}&epoch=${head.epoch}`, bare: await server.bare() };
      let ticker: NodeJS.Timeout | undefined;
      try {
        return await compareRoutes(urls, capOpts, (name, durationMs) => {
          clearInterval(ticker);
          emit({ type: 'phase', name: `capacity · ${name}`, total: Math.round(durationMs / 1000), unit: 's' });
          const t0 = performance.now();
          ticker = setInterval(() => emit({ type: 'tick', value: Math.round((performance.now() - t0) / 1000) }), 250);
        });
      } finally {
        clearInterval(ticker);
      }
    },
    async close() {
      feed.close();
      await load.close().catch(() => {});
      await server.stop().catch(() => {});
    },
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
