/**
 * The parent's handle on one server process of the peers scenario: spawned pinned to the
 * server core, published into over IPC, and read from outside through /proc — its CPU (every
 * thread's schedstat) and its RSS — so every server, pushrace or floor, is measured by the
 * same black-box means.
 */
import { fileURLToPath } from 'node:url';
import { IpcClient } from '../harness/ipc.ts';
import { CORES, spawnPinned } from '../harness/pin.ts';
import { processCpuNs, rssOf } from './proc.ts';
import type { PeerServerName } from './servers/index.ts';

/** A running server process. */
export interface PeerProcess {
  readonly name: PeerServerName;
  readonly url: string;
  readonly pid: number;
  /** Publishes `count` messages now; resolves with the head after them. */
  publish(count: number): Promise<number>;
  head(): Promise<number>;
  /** Ns on CPU of every thread, now (null off Linux). */
  cpuNs(): number | null;
  /** RSS now, bytes (null off Linux). */
  rss(): number | null;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./server-child.ts', import.meta.url));

/** Body counter shared by every server, so each message has the same size everywhere. */
let nextBody = 0;

/** Starts `name` pinned to the server core; `cpuProfDir`: a V8 CPU profile is written there at exit. */
export async function startPeer(name: PeerServerName, host: string, cpuProfDir?: string): Promise<PeerProcess> {
  const flags = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const child = spawnPinned(ENTRY, CORES.server, flags, [name, host]);
  let onReady: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve, reject) => {
    onReady = resolve;
    child.once('exit', (code) => reject(new Error(`server ${name} exited before it was ready (code ${code})`)));
    child.once('error', reject);
  });
  const ipc = new IpcClient(child, `server ${name}`, (e) => {
    if (e.event === 'ready' && typeof e.data === 'string') onReady(e.data);
  });
  const url = await ready;
  const pid = child.pid ?? 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    url,
    pid,
    publish(count) {
      const first = nextBody;
      nextBody += count;
      return ipc.call<number>('publish', { count, first });
    },
    head: () => ipc.call<number>('head'),
    cpuNs: () => processCpuNs(pid),
    rss: () => rssOf(pid),
    async stop() {
      if (!ipc.exited) await ipc.call('stop', null, 10_000).catch(() => child.kill());
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
