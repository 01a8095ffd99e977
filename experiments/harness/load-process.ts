/**
 * The parent's handle on the load processes (load-child.ts), all pinned to the load core: one
 * call runs on every process, clients split between them, and their answers are merged. One
 * process is the default; more do not add CPU on a two-core machine, but spread sockets and
 * heap when a fleet is very large.
 */
import { fileURLToPath } from 'node:url';
import type { ClientSamples } from '../aggregate.ts';
import type { FleetSamples, FleetSpec } from './fleet.ts';
import { IpcClient } from './ipc.ts';
import { CORES, spawnPinned } from './pin.ts';

/** What a window measured, over every load process. */
export interface LoadSamples {
  clients: ClientSamples[];
  /** Sum of the load processes' CPU, percent of one core. */
  cpuPercent: number;
  errors: number;
  errorSamples: string[];
  resets: number;
  /** Clients left out of the window: not ready when it opened. */
  excluded: number;
  messageBytes: number | null;
}

/** Every load process, driven as one. */
export interface LoadPool {
  /** Starts `spec.clients` clients split over the processes; resolves with how many got ready. */
  start(spec: Omit<FleetSpec, 'firstIndex'>, onReady: (ready: number) => void): Promise<number>;
  /** Opens the window in every process; how many clients it counts (the ready ones). */
  mark(): Promise<number>;
  /** Waits until every client has `seq` or `timeoutMs` passed; how many have it. */
  awaitSeq(seq: number, timeoutMs: number): Promise<number>;
  /** How many clients have `seq` now. */
  reached(seq: number): Promise<number>;
  collect(): Promise<LoadSamples>;
  /** Stops the fleet (the processes stay, for the next one). */
  stopFleet(): Promise<void>;
  /** Ends the processes. */
  close(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./load-child.ts', import.meta.url));

/** Splits n into `parts` near-equal shares. */
const split = (n: number, parts: number) =>
  Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));

/**
 * Spawns `processes` load processes and resolves once each is ready. `cpuProfDir`: each writes
 * a V8 CPU profile there when it exits (to see where the client core's time goes).
 */
export async function startLoadPool(processes = 1, cpuProfDir?: string): Promise<LoadPool> {
  const flags = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const readyCounts: number[] = new Array(processes).fill(0);
  let onReady: (ready: number) => void = () => {};
  const children = await Promise.all(
    Array.from({ length: processes }, async (_, i) => {
      const child = spawnPinned(ENTRY, CORES.load, flags);
      let up: () => void = () => {};
      const started = new Promise<void>((resolve, reject) => {
        up = resolve;
        child.once('exit', (code) => reject(new Error(`load process ${i + 1} exited at start (code ${code})`)));
      });
      const ipc = new IpcClient(child, `load process ${i + 1}`, (e) => {
        if (e.event === 'ready') up();
        if (e.event === 'progress' && typeof e.data === 'number') {
          readyCounts[i] = e.data;
          onReady(readyCounts.reduce((s, x) => s + x, 0));
        }
      });
      await started;
      return { child, ipc };
    }),
  );
  const all = <T>(op: string, args: unknown = null, timeoutMs?: number) =>
    Promise.all(children.map((c) => c.ipc.call<T>(op, args, timeoutMs)));

  return {
    async start(spec, listener) {
      onReady = listener;
      readyCounts.fill(0);
      const shares = split(spec.clients, processes);
      let first = 0;
      const ready = await Promise.all(
        children.map((c, i) => {
          const clients = shares[i] ?? 0;
          const fleet: FleetSpec = { ...spec, clients, firstIndex: first };
          first += clients;
          return c.ipc.call<number>('start', fleet, spec.readyTimeoutMs + 30_000);
        }),
      );
      return ready.reduce((s, x) => s + x, 0);
    },
    mark: () => all<number>('mark').then((xs) => xs.reduce((s, x) => s + x, 0)),
    awaitSeq: (seq, timeoutMs) =>
      all<number>('awaitSeq', { seq, timeoutMs }, timeoutMs + 30_000).then((xs) => xs.reduce((s, x) => s + x, 0)),
    reached: (seq) => all<number>('reached', seq).then((xs) => xs.reduce((s, x) => s + x, 0)),
    async collect() {
      const parts = await all<FleetSamples>('collect');
      const clients: ClientSamples[] = [];
      for (const p of parts) {
        for (let i = 0; i < p.requests.length; i++) {
          const from = p.offsets[i] ?? 0;
          const to = p.offsets[i + 1] ?? from;
          clients.push({
            received: p.seqs.subarray(from, to),
            latenciesMs: p.latencies.subarray(from, to),
            requests: p.requests[i] ?? 0,
          });
        }
      }
      const sized = parts.filter((p) => p.messageBytes !== null);
      return {
        clients,
        cpuPercent: parts.reduce((s, p) => s + p.cpuPercent, 0),
        errors: parts.reduce((s, p) => s + p.errors, 0),
        errorSamples: [...new Set(parts.flatMap((p) => p.errorSamples))],
        resets: parts.reduce((s, p) => s + p.resets, 0),
        excluded: parts.reduce((s, p) => s + p.excluded, 0),
        messageBytes: sized.length > 0 ? sized.reduce((s, p) => s + (p.messageBytes ?? 0), 0) / sized.length : null,
      };
    },
    stopFleet: () => all('stop').then(() => undefined),
    async close() {
      await Promise.all(children.map(({ ipc }) => ipc.end()));
    },
  };
}
