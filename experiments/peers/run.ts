/**
 * The peers scenario end to end: for each transport, pushrace and its peers each in its own
 * process pinned to the server core, all started at once and kept for the comparison; the
 * repetitions interleaved (A B C, then C B A, …) so drift and warm-up fall on every server
 * alike; one load process of raw clients on the load core. Returns the results; never prints.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { describeEnvironment } from '../environment.ts';
import type { HarnessListener } from '../harness/events.ts';
import { CORES, canPin, pinSelf } from '../harness/pin.ts';
import { type PeersResults, RESULTS_VERSION } from '../results-schema.ts';
import { mediansOf, orderOf, ratiosOf } from './aggregate.ts';
import { PEER_CASES, type PeerCase } from './cases.ts';
import type { Comparison, PeersParams, PeerWindow, Phase } from './schema.ts';
import { type PeerProcess, startPeer } from './server-process.ts';
import { clientsOf, runSession, startPeerLoad } from './session.ts';

/** The parameters of a full run and of `--quick` (which must finish in under 3 minutes). */
export const PEERS_DEFAULTS: { full: PeersParams; quick: PeersParams } = {
  full: {
    reps: 4,
    streamClients: 2000,
    pacedRatePerSec: 10,
    pacedMs: 8000,
    burstSize: 50,
    bursts: 4,
    longPollClients: 2000,
    releaseRatePerSec: 2,
    releaseMs: 8000,
    pollClients: 1000,
    pollIntervalMs: 500,
    pollRatePerSec: 5,
    pollMs: 8000,
    quick: false,
  },
  quick: {
    reps: 2,
    streamClients: 200,
    pacedRatePerSec: 20,
    pacedMs: 1000,
    burstSize: 20,
    bursts: 2,
    longPollClients: 200,
    releaseRatePerSec: 5,
    releaseMs: 1000,
    pollClients: 150,
    pollIntervalMs: 100,
    pollRatePerSec: 5,
    pollMs: 1000,
    quick: true,
  },
};

/** How a peers run is done, beyond its parameters. */
export interface PeersRunOptions {
  listener?: HarnessListener;
  /** Write a V8 CPU profile of every pushrace server process here (the peers are not profiled). */
  cpuProfDir?: string;
  /** Only these transports (default: all). */
  transports?: readonly string[];
}

const HOST = '127.0.0.1';

let built = false;

/**
 * Compiles the server once per run (tsc 7: a couple of seconds). pushrace runs here as
 * production does, from dist/build, which must be this tree's code: a build left over from
 * before an edit would measure old code, and a fresh clone has none.
 */
export function ensureServerBuild(): void {
  if (built) return;
  const r = spawnSync('npm', ['run', '--silent', 'build:server'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build:server failed:\n${r.stdout}${r.stderr}`);
  built = true;
}

const phaseLabel = (c: PeerCase, phase: Phase, p: PeersParams): string => {
  const n = clientsOf(c, p);
  if (phase === 'paced') return `${c.transport} fan-out, ${n} clients × ${p.pacedRatePerSec} msg/s`;
  if (phase === 'burst') return `${c.transport} fan-out, ${n} clients × bursts of ${p.burstSize}`;
  if (phase === 'release') return `long-poll release + re-request, ${n} held × ${p.releaseRatePerSec} msg/s`;
  return `poll, ${n} clients every ${p.pollIntervalMs} ms`;
};

/** Runs every comparison; the results file. */
export async function runPeers(params: PeersParams, opts: PeersRunOptions = {}): Promise<PeersResults> {
  ensureServerBuild();
  const startedAt = new Date();
  const t0 = performance.now();
  const emit = opts.listener ?? (() => {});
  const pinned = canPin() && pinSelf(CORES.load);
  const warnings: string[] = [];
  if (!pinned) warnings.push('Nothing was pinned (no taskset, or one core): server CPU figures include the clients.');
  const load = await startPeerLoad();
  const comparisons: Comparison[] = [];
  try {
    const cases = PEER_CASES.filter((c) => !opts.transports || opts.transports.includes(c.transport));
    for (const [i, c] of cases.entries()) {
      emit({ type: 'run', label: c.transport, index: i, total: cases.length });
      comparisons.push(...(await runCase(c, params, load, emit, opts.cpuProfDir)));
    }
  } finally {
    await load.close();
  }
  const windows = comparisons.flatMap((c) => c.servers.flatMap((s) => s.windows));
  warnings.push(...warningsOf(comparisons));
  return {
    version: RESULTS_VERSION,
    scenario: 'peers',
    params,
    environment: { ...describeEnvironment(startedAt, performance.now() - t0), cores: os.cpus().length },
    peers: {
      comparisons,
      pinned,
      totalWindows: windows.length,
      disturbedWindows: windows.filter((w) => w.disturbed).length,
    },
    warnings,
  };
}

/** What `floorComparisons` measures at one client count. */
export interface FloorSpec {
  transports: readonly string[];
  clients: number;
  ratePerSec: number;
  durationMs: number;
  pollIntervalMs: number;
  reps: number;
  listener?: HarnessListener;
}

/**
 * pushrace against the bare Node floor only (the second server of each case), at one client
 * count, under each transport's first phase: the scale scenario's "× floor at the same N".
 * The caller has pinned itself to the load core.
 */
export async function floorComparisons(f: FloorSpec): Promise<Comparison[]> {
  const params: PeersParams = {
    ...PEERS_DEFAULTS.quick,
    reps: f.reps,
    streamClients: f.clients,
    longPollClients: f.clients,
    pollClients: f.clients,
    pacedRatePerSec: f.ratePerSec,
    pacedMs: f.durationMs,
    releaseRatePerSec: f.ratePerSec,
    releaseMs: f.durationMs,
    pollIntervalMs: f.pollIntervalMs,
    pollRatePerSec: f.ratePerSec,
    pollMs: f.durationMs,
  };
  ensureServerBuild();
  const emit = f.listener ?? (() => {});
  const load = await startPeerLoad();
  try {
    const out: Comparison[] = [];
    for (const c of PEER_CASES.filter((x) => f.transports.includes(x.transport))) {
      const floor = { ...c, phases: c.phases.slice(0, 1), servers: c.servers.slice(0, 2) };
      out.push(...(await runCase(floor, params, load, emit, undefined)));
    }
    return out;
  } finally {
    await load.close();
  }
}

/** One transport: its servers started, the repetitions interleaved, one Comparison per phase. */
async function runCase(
  c: PeerCase,
  p: PeersParams,
  load: Awaited<ReturnType<typeof startPeerLoad>>,
  emit: HarnessListener,
  cpuProfDir: string | undefined,
): Promise<Comparison[]> {
  const procs: PeerProcess[] = [];
  const windows = new Map<string, Map<Phase, PeerWindow[]>>(c.servers.map((s) => [s.server, new Map()]));
  try {
    for (const s of c.servers)
      procs.push(await startPeer(s.server, HOST, s.server === 'pushrace' ? cpuProfDir : undefined));
    for (let rep = 0; rep < p.reps; rep++) {
      for (const [position, entry] of orderOf(c.servers, rep).entries()) {
        const proc = procs.find((x) => x.name === entry.server);
        if (!proc) throw new Error(`no process for ${entry.server}`);
        const got = await runSession({ proc, load, emit }, c, entry, p, { rep, position });
        for (const [phase, w] of got) {
          const byPhase = windows.get(entry.server);
          byPhase?.set(phase, [...(byPhase.get(phase) ?? []), w]);
        }
      }
    }
  } finally {
    for (const proc of procs) await proc.stop().catch(() => {});
  }
  return c.phases.map((phase) => {
    const servers = c.servers.map((s) => {
      const ws = windows.get(s.server)?.get(phase) ?? [];
      return { server: s.server, label: s.label, windows: ws, median: mediansOf(ws) };
    });
    return {
      transport: c.transport,
      phase,
      op: phase === 'requests' ? ('request' as const) : ('delivery' as const),
      label: phaseLabel(c, phase, p),
      clients: clientsOf(c, p),
      servers,
      ratios: ratiosOf(servers),
    };
  });
}

/** What a reader must know before trusting a figure: loss, saturated clients, disturbed windows, errors. */
export function warningsOf(comparisons: readonly Comparison[]): string[] {
  const out: string[] = [];
  for (const c of comparisons) {
    for (const s of c.servers) {
      for (const w of s.windows) {
        const where = `${c.label}: ${s.server}, rep ${w.rep + 1}`;
        if (w.lost > 0 || w.duplicated > 0)
          out.push(`${where}: ${w.lost} lost (${w.clientsWithLoss} clients), ${w.duplicated} duplicated.`);
        if (w.clientSaturated)
          out.push(
            `${where}: the load core was ${Math.round(w.clientCoreBusyPercent ?? 0)}% busy: latencies measure the clients.`,
          );
        if (w.disturbed)
          out.push(
            `${where}: other processes took ${Math.round(w.othersOnServerCoreMs ?? 0)} ms (steal ${Math.round(w.stealMs ?? 0)} ms) of the server core in a ${Math.round(w.wallMs)} ms window.`,
          );
        if (w.errors > 0) out.push(`${where}: the clients reported ${w.errors} errors.`);
      }
    }
  }
  return out;
}
