/**
 * The parent's handle on the server child (server-child.ts): starts it pinned to the server
 * core, and asks it for its own metrics. Kept apart from the child so the harness never
 * imports the server's modules into the load core's process.
 */
import { fileURLToPath } from 'node:url';
import type { StatsResponse } from '../../protocol/wire.ts';
import { IpcClient } from './ipc.ts';
import { CORES, spawnPinned } from './pin.ts';
import type { ServerUsageSample } from './server-child.ts';

export type { ServerUsageSample } from './server-child.ts';

/** How to start the server child. */
export interface ServerProcessOptions {
  /** Write a V8 CPU profile of the server into this directory when it stops (`--cpu-prof`). */
  cpuProfDir?: string;
}

/** A running server child. */
export interface ServerProcess {
  /** `http://127.0.0.1:<port>` of the pushrace server. */
  readonly url: string;
  /** Starts a measurement window: CPU, event-loop delay and fan-out timings restart from now. */
  mark(): Promise<void>;
  /** The server's usage since `mark`; `gc` runs a full GC before reading RSS. */
  usage(gc: boolean): Promise<ServerUsageSample>;
  /** RSS now; `gc` first, so a baseline is not inflated by garbage. */
  rss(gc: boolean): Promise<number>;
  /** `process.memoryUsage()` of the server; `gc` first, so what is left is what is retained. */
  memory(gc: boolean): Promise<NodeJS.MemoryUsage>;
  /** The counters `GET /api/stats` answers, read over IPC (an overloaded server may accept no connection). */
  stats(): Promise<StatsResponse>;
  /** The feed's epoch and head, as `GET /healthz` says: where new clients start. */
  health(): Promise<{ epoch: string; head: number }>;
  /** Starts (once) the bare Koa app of the capacity scenario in the same process; its URL. */
  bare(): Promise<string>;
  /** Stops the server and waits for the process to exit. */
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./server-child.ts', import.meta.url));

/** Spawns the server child and resolves once it listens. */
export async function startServerProcess(opts: ServerProcessOptions = {}): Promise<ServerProcess> {
  const flags = ['--expose-gc'];
  if (opts.cpuProfDir) flags.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`);
  const child = spawnPinned(ENTRY, CORES.server, flags);
  let onReady: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve, reject) => {
    onReady = resolve;
    child.once('exit', (code) => reject(new Error(`the server child exited before it was ready (code ${code})`)));
    child.once('error', reject);
  });
  const ipc = new IpcClient(child, 'server', (e) => {
    if (e.event === 'ready' && typeof e.data === 'string') onReady(e.data);
  });
  const url = await ready;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    mark: () => ipc.call<null>('mark').then(() => undefined),
    usage: (gc) => ipc.call<ServerUsageSample>('usage', gc),
    rss: (gc) => ipc.call<number>('rss', gc),
    memory: (gc) => ipc.call<NodeJS.MemoryUsage>('memory', gc),
    stats: () => ipc.call<StatsResponse>('stats'),
    health: () => ipc.call<{ epoch: string; head: number }>('health'),
    bare: () => ipc.call<string>('bare'),
    async stop() {
      if (!ipc.exited) await ipc.call('stop', null, 10_000).catch(() => child.kill());
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
