/**
 * One server, one repetition: its clients connect, get a few warm-up messages, and then each
 * phase of the comparison is one measured window — server CPU from /proc schedstat before and
 * after, the two cores' ticks from /proc/stat, the clients' figures collected at the end.
 */
import { fileURLToPath } from 'node:url';
import type { HarnessListener } from '../harness/events.ts';
import { IpcClient } from '../harness/ipc.ts';
import { CORES, spawnPinned } from '../harness/pin.ts';
import { type WindowReadings, windowFigures } from './aggregate.ts';
import type { PeerCase, PeerEntry } from './cases.ts';
import type { RawFleetSpec, RawSamples } from './clients/fleet.ts';
import { cpuTicks, TICK_MS } from './proc.ts';
import type { PeersParams, PeerWindow, Phase } from './schema.ts';
import type { PeerProcess } from './server-process.ts';

/** Timings of a session, in one place. */
export const SESSION_DEFAULTS = {
  /** Clients started at once (polling clients are spread over one interval instead). */
  batchSize: 250,
  readyTimeoutMs: 30_000,
  /** Warm-up messages, this far apart, before any window: warm code, every client proven live. */
  warmupMessages: 3,
  warmupGapMs: 50,
  /** After warm-up: time for re-requests to be held, plus this much per client. */
  settleMs: 300,
  settlePerClientMs: 0.2,
  /** Time allowed for every client to get the last message of a phase. */
  catchUpMs: 20_000,
  /** Pause after the clients stop, so their closes are not in the next window. */
  teardownMs: 300,
  /** Loopback source addresses the clients spread over (ephemeral ports are per address). */
  sourceAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'],
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The load process (one, on the load core), driven over IPC. */
export interface PeerLoad {
  start(spec: RawFleetSpec): Promise<number>;
  mark(): Promise<void>;
  awaitSeq(seq: number, timeoutMs: number): Promise<number>;
  collect(target: number): Promise<RawSamples>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

const LOAD_ENTRY = fileURLToPath(new URL('./load-child.ts', import.meta.url));

/** Spawns the load process pinned to the load core; resolves once it is ready. */
export async function startPeerLoad(): Promise<PeerLoad> {
  const child = spawnPinned(LOAD_ENTRY, CORES.load);
  let up: () => void = () => {};
  const started = new Promise<void>((resolve, reject) => {
    up = resolve;
    child.once('exit', (code) => reject(new Error(`the load process exited at start (code ${code})`)));
  });
  const ipc = new IpcClient(child, 'load process', (e) => {
    if (e.event === 'ready') up();
  });
  await started;
  return {
    start: (spec) => ipc.call<number>('start', spec, spec.readyTimeoutMs + 30_000),
    mark: () => ipc.call<null>('mark').then(() => undefined),
    awaitSeq: (seq, timeoutMs) => ipc.call<number>('awaitSeq', { seq, timeoutMs }, timeoutMs + 30_000),
    collect: (target) => ipc.call<RawSamples>('collect', target),
    stop: () => ipc.call<null>('stop').then(() => undefined),
    close: () => ipc.end(),
  };
}

/** Clients of a case's servers. */
export function clientsOf(c: PeerCase, p: PeersParams): number {
  if (c.transport === 'long-poll') return p.longPollClients;
  if (c.transport === 'poll') return p.pollClients;
  return p.streamClients;
}

/** What a session needs. */
export interface SessionDeps {
  proc: PeerProcess;
  load: PeerLoad;
  emit: HarnessListener;
}

/** Every phase's window of one server in one repetition. */
export async function runSession(
  deps: SessionDeps,
  c: PeerCase,
  entry: PeerEntry,
  p: PeersParams,
  at: { rep: number; position: number },
): Promise<Map<Phase, PeerWindow>> {
  const { proc, load, emit } = deps;
  const d = SESSION_DEFAULTS;
  const clients = clientsOf(c, p);
  const where = `${c.transport} · ${entry.server} · rep ${at.rep + 1}`;
  const rss0 = proc.rss();
  const head = await proc.head();
  emit({ type: 'phase', name: `${where} · connect`, total: clients, unit: 'clients' });
  const ready = await load.start({
    kind: entry.kind,
    url: proc.url,
    path: entry.path(head),
    clients,
    head,
    pollIntervalMs: p.pollIntervalMs,
    sourceAddresses: d.sourceAddresses,
    batchSize: d.batchSize,
    readyTimeoutMs: d.readyTimeoutMs,
  });
  emit({ type: 'tick', value: ready });
  let last = head;
  for (let i = 0; i < d.warmupMessages; i++) {
    last = await proc.publish(1);
    await sleep(d.warmupGapMs);
  }
  const warmed = await load.awaitSeq(last, d.catchUpMs + p.pollIntervalMs);
  if (warmed < clients) {
    const why = (await load.collect(last)).errorSamples.join(' | ');
    if (warmed === 0) {
      await load.stop();
      throw new Error(`${where}: no client received the warm-up messages (${why || 'no error reported'})`);
    }
    emit({ type: 'note', message: `${where}: only ${warmed} of ${clients} clients warmed up (${why})` });
  }
  await sleep(d.settleMs + clients * d.settlePerClientMs);
  const rss1 = proc.rss();
  const rssPerConnection = rss0 !== null && rss1 !== null && ready > 0 ? (rss1 - rss0) / ready : null;

  const out = new Map<Phase, PeerWindow>();
  try {
    for (const phase of c.phases) {
      emit({ type: 'phase', name: `${where} · ${phase}`, total: 1, unit: '' });
      const r = await measurePhase(deps, phase, p, c.transport === 'poll' ? p.pollIntervalMs : 0);
      out.set(phase, windowFigures({ ...r, ...at, rssPerConnectionBytes: rssPerConnection, clients: ready }));
    }
  } finally {
    await load.stop();
    await sleep(d.teardownMs);
  }
  return out;
}

/** The publish moments of a phase: [ms from its start, messages at once]. */
export function phaseSchedule(phase: Phase, p: PeersParams): Array<[number, number]> {
  const even = (rate: number, ms: number) =>
    Array.from({ length: Math.max(1, Math.round((rate * ms) / 1000)) }, (_, i): [number, number] => [
      (i * 1000) / rate,
      1,
    ]);
  if (phase === 'paced') return even(p.pacedRatePerSec, p.pacedMs);
  if (phase === 'release') return even(p.releaseRatePerSec, p.releaseMs);
  if (phase === 'requests') return p.pollRatePerSec > 0 ? even(p.pollRatePerSec, p.pollMs) : [];
  return Array.from({ length: p.bursts }, () => [0, p.burstSize]);
}

/** One measured window; the readings the aggregation turns into figures. */
async function measurePhase(
  deps: SessionDeps,
  phase: Phase,
  p: PeersParams,
  pollMs: number,
): Promise<Omit<WindowReadings, 'rep' | 'position' | 'rssPerConnectionBytes' | 'clients'>> {
  const { proc, load } = deps;
  const d = SESSION_DEFAULTS;
  await load.mark();
  const mainCpu = process.cpuUsage();
  const cpu0 = proc.cpuNs();
  const server0 = cpuTicks(0);
  const client0 = cpuTicks(1);
  const t0 = performance.now();
  let last = await proc.head();
  for (const [atMs, count] of phaseSchedule(phase, p)) {
    if (phase === 'burst') {
      // One burst at a time: the next one leaves once every client has this one.
      last = await proc.publish(count);
      await load.awaitSeq(last, d.catchUpMs);
      continue;
    }
    const wait = t0 + atMs - performance.now();
    if (wait > 1) await sleep(wait);
    last = await proc.publish(count);
  }
  if (phase === 'requests') await sleep(Math.max(0, t0 + p.pollMs - performance.now()));
  await load.awaitSeq(last, d.catchUpMs + pollMs);
  const cpu1 = proc.cpuNs();
  const server1 = cpuTicks(0);
  const client1 = cpuTicks(1);
  const wallMs = performance.now() - t0;
  const s = await load.collect(last);
  const main = process.cpuUsage(mainCpu);
  const ticks = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? null : (b - a) * TICK_MS;
  return {
    wallMs,
    ops: phase === 'requests' ? s.rtts.length : s.latencies.length,
    serverCpuNs: [cpu0, cpu1],
    latencies: phase === 'requests' ? s.rtts : s.latencies,
    requests: s.requests,
    lost: s.lost,
    duplicated: s.duplicated,
    clientsWithLoss: s.clientsWithLoss,
    errors: s.errors,
    clientCpuMs: s.cpuMs + (main.user + main.system) / 1000,
    clientCoreBusyMs: ticks(client0?.busy, client1?.busy),
    serverCoreBusyMs: ticks(server0?.busy, server1?.busy),
    serverCoreStealMs: ticks(server0?.steal, server1?.steal),
  };
}
