/**
 * `npm run experiment -- <scenario> [options]`: runs one scenario on this machine and writes
 * results.json, report.md and report.html into --out. Three separate steps, as in autocannon:
 * measure (harness/runner.ts → Results), write and render (report.ts), print (harness/print.ts);
 * the progress bars only listen to the harness's events.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { TRANSPORT_NAMES, type TransportName } from '../protocol/wire.ts';
import { CORES, pinSelf } from './harness/pin.ts';
import { summary } from './harness/print.ts';
import { createProgress } from './harness/progress.ts';
import { resolveParams, runScenario } from './harness/runner.ts';
import { peersSummary } from './peers/render.ts';
import { PEERS_DEFAULTS, runPeers } from './peers/run.ts';
import { writeReport } from './report.ts';
import { EXPERIMENTS, PEERS, SCENARIOS, SOAK } from './results-schema.ts';
import { SCENARIO_REGISTRY } from './scenarios/index.ts';
import { PARAM_DEFAULTS, type ScenarioParams } from './scenarios/scenario.ts';
import { verdictLines } from './soak/render.ts';
import { runSoak, SOAK_DEFAULTS, soakParams } from './soak/run.ts';

type CommandName = (typeof EXPERIMENTS)[number];
/** The options a soak reads; any other is refused rather than silently ignored. */
const SOAK_OPTIONS = new Set(['quick', 'clients', 'rate', 'duration', 'pollInterval', 'out']);

/** The options a peers run reads. */
const PEERS_OPTIONS = new Set(['quick', 'transports', 'out', 'cpuProf']);

/** Parsers of option values: each refuses a bad value with a message naming what is wrong. */
const number =
  (what: string, min: number, max = Number.POSITIVE_INFINITY) =>
  (raw: string): number => {
    const x = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(x) || x < min || x > max) {
      throw new InvalidArgumentError(`${what} must be a number from ${min}${max < Infinity ? ` to ${max}` : ''}.`);
    }
    return x;
  };
const integer = (what: string, min: number, max?: number) => (raw: string) => {
  const x = number(what, min, max)(raw);
  if (!Number.isInteger(x)) throw new InvalidArgumentError(`${what} must be a whole number.`);
  return x;
};
const numberList = (raw: string): number[] => raw.split(',').map((x) => number('each --sweep value', 0)(x));
const transportList = (raw: string): TransportName[] => {
  const names = raw.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(TRANSPORT_NAMES as readonly string[]).includes(n)) {
      throw new InvalidArgumentError(`unknown transport "${n}"; choose from ${TRANSPORT_NAMES.join(', ')}.`);
    }
  }
  return names as TransportName[];
};

/** The raw option values commander hands over. */
interface CliOptions {
  quick?: boolean;
  clients?: number;
  rate?: number;
  duration?: number;
  transports?: TransportName[];
  pollInterval?: number;
  longPollTimeout?: number;
  rtt?: number;
  sweep?: number[];
  burstSize?: number;
  burstEvery?: number;
  connections?: number;
  out?: string;
  cpuProf?: string | boolean;
  loadProcesses?: number;
}

/** Only what the command line set, as scenario parameters. */
function givenParams(o: CliOptions): Partial<ScenarioParams> {
  const given: Partial<ScenarioParams> = {};
  if (o.clients !== undefined) given.clients = o.clients;
  if (o.rate !== undefined) given.ratePerSec = o.rate;
  if (o.duration !== undefined) given.durationMs = o.duration * 1000;
  if (o.transports !== undefined) given.transports = o.transports;
  if (o.pollInterval !== undefined) given.pollIntervalMs = o.pollInterval;
  if (o.longPollTimeout !== undefined) given.longPollTimeoutMs = o.longPollTimeout;
  if (o.rtt !== undefined) given.rttMs = o.rtt;
  if (o.sweep !== undefined) given.sweep = o.sweep;
  if (o.burstSize !== undefined) given.burstSize = o.burstSize;
  if (o.burstEvery !== undefined) given.burstEveryMs = o.burstEvery;
  if (o.connections !== undefined) given.connections = o.connections;
  return given;
}

/** `2025-11-23T08-00-00`: a timestamp that sorts and is a valid file name everywhere. */
const stamp = (d: Date) => d.toISOString().slice(0, 19).replace(/:/g, '-');

function scenarioHelp(): string {
  const show = (p: Partial<ScenarioParams>) =>
    Object.entries(p)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
      .join(' ');
  const lines = SCENARIOS.map((name) => {
    const s = SCENARIO_REGISTRY[name];
    return `  ${name}\n    ${s.description}\n    reads: ${s.uses.join(', ')}\n    full:  ${show(s.full)}\n    quick: ${show(s.quick)}`;
  });
  return [
    '',
    'Scenarios:',
    ...lines,
    `  ${PEERS}`,
    '    pushrace against the bare Node floor (node:http, ws), bare Koa + @koa/router and socket.io 4, per',
    '    transport, with the same raw clients: server CPU per delivery/request, p50/p99, RSS per connection,',
    '    as ratios per interleaved repetition pair; windows disturbed by other processes are flagged.',
    '    reads: transports (default all), cpu-prof (profiles the pushrace servers)',
    `    full:  ${PEERS_DEFAULTS.full.reps} reps, ${PEERS_DEFAULTS.full.streamClients} ws/sse clients, ${PEERS_DEFAULTS.full.longPollClients} held long-polls, ${PEERS_DEFAULTS.full.pollClients} pollers`,
    `    quick: ${PEERS_DEFAULTS.quick.reps} reps, ${PEERS_DEFAULTS.quick.streamClients} ws/sse clients, ${PEERS_DEFAULTS.quick.longPollClients} held long-polls, ${PEERS_DEFAULTS.quick.pollClients} pollers (under 3 minutes)`,
    '  cluster',
    '    The same steady load against one instance on the memory feed, one on Redis, and two on Redis',
    '    behind nginx (real redis-server and nginx): latency p50/p99, the Redis hop, deliveries/s, CPU',
    '    of every process. Options: --quick, --out DIR (experiments/cluster/).',
    `  ${SOAK}`,
    '    All four transports at once, every client stopping and resuming at random, for minutes: 0 lost,',
    "    0 duplicated, and the server's RSS (after a full GC) flat once its history is full.",
    '    reads: duration, clients (per transport), rate, poll-interval',
    `    full:  ${SOAK_DEFAULTS.full.durationMs / 1000} s, ${SOAK_DEFAULTS.full.clientsPerTransport} clients, ${SOAK_DEFAULTS.full.ratePerSec} msg/s`,
    `    quick: ${SOAK_DEFAULTS.quick.durationMs / 1000} s, ${SOAK_DEFAULTS.quick.clientsPerTransport} clients, ${SOAK_DEFAULTS.quick.ratePerSec} msg/s (memory not judged under 5 min)`,
    '',
    `Unset parameters: ${Object.entries(PARAM_DEFAULTS)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
      .join(' ')}.`,
    'The server runs in its own process pinned to core 0 (taskset), the clients (client/lib) in load',
    'processes pinned to core 1; transports are measured one after another.',
    '',
    'Examples:',
    '  npm run experiment -- steady --quick',
    '  npm run experiment -- interval-sweep --sweep 100,500,2000 --rate 2',
    '  npm run experiment -- scale --clients 1000 --transports ws,long-poll',
    '  npm run experiment -- soak --duration 600',
  ].join('\n');
}

/** Parses `argv`, runs the scenario, writes and prints the report; the exit code. */
export async function main(argv: string[]): Promise<number> {
  // The cluster experiment starts its own processes (Redis, nginx, instances) and takes only --quick and --out.
  if (argv[0] === 'cluster') return (await import('./cluster/run.ts')).runClusterExperiment(argv.slice(1));
  let code = 0;
  const program = new Command()
    .name('npm run experiment --')
    .description('Runs one pushrace load experiment and writes results.json, report.md and report.html.')
    .argument('<scenario>', `the experiment: ${EXPERIMENTS.join(', ')}`, (raw: string) => {
      if (!(EXPERIMENTS as readonly string[]).includes(raw)) {
        throw new InvalidArgumentError(`choose one of ${EXPERIMENTS.join(', ')}.`);
      }
      return raw as CommandName;
    })
    .option('--quick', "the scenario's short settings (well under a minute), for a smoke run")
    .option(
      '--clients <n>',
      'clients per transport (scale: the largest count of the sweep)',
      integer('--clients', 1, 20_000),
    )
    .option('--rate <r>', 'messages published per second, Poisson arrivals (0 = none)', number('--rate', 0, 100_000))
    .option(
      '--duration <s>',
      'seconds each measured window lasts (capacity: per autocannon route)',
      number('--duration', 0.5, 3600),
    )
    .option(
      '--transports <list>',
      `comma list of ${TRANSPORT_NAMES.join(',')}; measured one after another`,
      transportList,
    )
    .option('--poll-interval <ms>', 'poll period T of the polling clients', integer('--poll-interval', 10, 600_000))
    .option(
      '--long-poll-timeout <ms>',
      'how long the server may hold a long-poll (0-60000)',
      integer('--long-poll-timeout', 0, 60_000),
    )
    .option(
      '--rtt <ms>',
      'round trip added by a delay proxy (one-way rtt/2); rtt scenario: its only point',
      number('--rtt', 0, 10_000),
    )
    .option(
      '--sweep <list>',
      'the sweep values: poll intervals ms (interval-sweep), one-way delays ms (rtt), client counts (scale)',
      numberList,
    )
    .option('--burst-size <k>', 'burst: messages published at once', integer('--burst-size', 1, 10_000))
    .option('--burst-every <ms>', 'burst: time between bursts', integer('--burst-every', 10, 600_000))
    .option('--connections <n>', 'capacity: autocannon connections', integer('--connections', 1, 10_000))
    .option('--out <dir>', 'where to write the report (default reports/<scenario>-<timestamp>)')
    .addOption(
      new Option('--cpu-prof [dir]', 'write a V8 CPU profile of the server process (default: into --out)').preset(true),
    )
    .option('--load-processes <n>', 'client processes on the load core', integer('--load-processes', 1, 16))
    .addHelpText('after', scenarioHelp())
    .showHelpAfterError()
    .action(async (name: CommandName, o: CliOptions) => {
      if (name === SOAK) {
        code = await soak(o);
        return;
      }
      if (name === PEERS) {
        code = await peers(o);
        return;
      }
      const scenario = SCENARIO_REGISTRY[name as (typeof SCENARIOS)[number]];
      const quick = o.quick === true;
      const params = resolveParams(scenario, quick, givenParams(o));
      const startedAt = new Date();
      const dir = resolve(o.out ?? `reports/${name}-${stamp(startedAt)}`);
      await mkdir(dir, { recursive: true });
      const cpuProfDir = o.cpuProf === true ? dir : typeof o.cpuProf === 'string' ? resolve(o.cpuProf) : undefined;
      const progress = createProgress();
      let results: Awaited<ReturnType<typeof runScenario>>;
      try {
        results = await runScenario(scenario, params, quick, {
          listener: progress.listener,
          ...(cpuProfDir ? { cpuProfDir } : {}),
          ...(o.loadProcesses ? { loadProcesses: o.loadProcesses } : {}),
        });
      } finally {
        progress.stop();
      }
      await writeReport(dir, results);
      console.log(summary(results, dir));
      const bug = results.runs.some((r) =>
        Object.values(r.transports).some((t) => t.lost > 0 || t.duplicated > 0 || t.outOfOrder > 0),
      );
      if (bug) code = 3;
    });
  await program.parseAsync(argv, { from: 'user' });
  return code;
}

/** Refuses options an experiment does not read, naming them; true when some were given. */
function foreignOptions(o: CliOptions, known: ReadonlySet<string>, name: string): boolean {
  const foreign = Object.keys(o).filter((k) => !known.has(k));
  if (foreign.length === 0) return false;
  console.error(
    `experiment: ${name} does not read ${foreign.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`,
  );
  return true;
}

/** `experiment peers`: runs it, writes results.json and the reports, prints the ratio table; 3 on a lost message. */
async function peers(o: CliOptions): Promise<number> {
  if (foreignOptions(o, PEERS_OPTIONS, PEERS)) return 2;
  const params = o.quick === true ? PEERS_DEFAULTS.quick : PEERS_DEFAULTS.full;
  const dir = resolve(o.out ?? `reports/peers-${stamp(new Date())}`);
  await mkdir(dir, { recursive: true });
  const cpuProfDir = o.cpuProf === true ? dir : typeof o.cpuProf === 'string' ? resolve(o.cpuProf) : undefined;
  const progress = createProgress();
  let results: Awaited<ReturnType<typeof runPeers>>;
  try {
    results = await runPeers(params, {
      listener: progress.listener,
      ...(o.transports ? { transports: o.transports } : {}),
      ...(cpuProfDir ? { cpuProfDir } : {}),
    });
  } finally {
    progress.stop();
  }
  await writeReport(dir, results);
  console.log(peersSummary(results, dir));
  const windows = results.peers.comparisons.flatMap((c) => c.servers.flatMap((s) => s.windows));
  return windows.some((w) => w.lost > 0 || w.duplicated > 0) ? 3 : 0;
}

/** `experiment soak`: runs it, writes results.json and the reports, prints the verdict; exit 0 only on a pass. */
async function soak(o: CliOptions): Promise<number> {
  if (foreignOptions(o, SOAK_OPTIONS, SOAK)) return 2;
  const base = o.quick === true ? SOAK_DEFAULTS.quick : SOAK_DEFAULTS.full;
  const params = soakParams({
    durationMs: o.duration !== undefined ? o.duration * 1000 : base.durationMs,
    clientsPerTransport: o.clients ?? base.clientsPerTransport,
    ratePerSec: o.rate ?? base.ratePerSec,
    ...(o.pollInterval !== undefined ? { pollIntervalMs: o.pollInterval } : {}),
  });
  const startedAt = new Date();
  const dir = resolve(o.out ?? `reports/soak-${stamp(startedAt)}`);
  await mkdir(dir, { recursive: true });
  // The clients share the load core; the server child pins itself to the server core.
  pinSelf(CORES.load);
  const progress = createProgress();
  let results: Awaited<ReturnType<typeof runSoak>>;
  try {
    results = await runSoak(params, progress.listener);
  } finally {
    progress.stop();
  }
  const paths = await writeReport(dir, results);
  console.log(
    [...verdictLines(results), `wrote ${paths.results}`, `wrote ${paths.markdown}`, `wrote ${paths.html}`].join('\n'),
  );
  return results.soak.verdict.ok ? 0 : 3;
}

process.exitCode = await main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`experiment: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return 1;
});
