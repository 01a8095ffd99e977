/**
 * The shape every scenario file has: a name, a sentence, the parameters of a full and of a
 * quick run, and `run(ctx)` returning the Runs. The runner owns everything else (the harness,
 * the Results around the Runs, the report), so a scenario says only what it measures.
 */

import { PROTOCOL_DEFAULTS } from '../../protocol/defaults.ts';
import type { TransportName } from '../../protocol/wire.ts';
import type { RunSpec } from '../harness/measure.ts';
import type { PublishPlan } from '../harness/publisher.ts';
import type { Comparison } from '../peers/schema.ts';
import type { CapacityResult, Results, Run, ScenarioName, TargetCheck } from '../results-schema.ts';

/** Every parameter a scenario may read; the command line sets them (see cli.ts). */
export interface ScenarioParams {
  /** Clients per transport. */
  clients: number;
  /** Messages published per second (Poisson arrivals). */
  ratePerSec: number;
  /** Length of each measured window, ms. */
  durationMs: number;
  /** Transports measured, one after another. */
  transports: TransportName[];
  /** The poll period T, ms. */
  pollIntervalMs: number;
  /** How long the server may hold a long-poll, ms. */
  longPollTimeoutMs: number;
  /** Round trip added by the delay proxy (one-way delay = rttMs / 2); 0 = no proxy. */
  rttMs: number;
  /** The values a sweep goes through (poll intervals, one-way delays, client counts); [] = none. */
  sweep: number[];
  /** Messages published at once (burst). */
  burstSize: number;
  /** Time between bursts, ms. */
  burstEveryMs: number;
  /** autocannon connections (capacity). */
  connections: number;
}

/** What a scenario does not set falls back to these: the client library's and server's own defaults. */
export const PARAM_DEFAULTS: ScenarioParams = {
  clients: 10,
  ratePerSec: 5,
  durationMs: 30_000,
  transports: ['poll', 'long-poll', 'sse', 'ws'],
  pollIntervalMs: PROTOCOL_DEFAULTS.pollIntervalMs,
  longPollTimeoutMs: PROTOCOL_DEFAULTS.longPollTimeoutMs,
  rttMs: 0,
  sweep: [],
  burstSize: 10,
  burstEveryMs: 3000,
  connections: 100,
};

/** What a scenario's `run` gets. */
export interface ScenarioContext {
  /** The parameters, defaults applied: `{ ...PARAM_DEFAULTS, ...full, ...quick?, ...given }`. */
  params: ScenarioParams;
  /** Measures one Run (its transports one after another); warnings go into the Results. */
  measure(spec: RunSpec): Promise<Run>;
  /** autocannon on the poll route and a bare Koa route in the same server process. */
  capacity(opts: {
    connections: number;
    pipelining: number;
    durationMs: number;
    warmupMs: number;
  }): Promise<CapacityResult>;
  /**
   * pushrace (compiled) against the bare Node floor of each transport at `clients`, measured
   * as the peers scenario does, with this run's rate, window and poll interval.
   */
  floors(clients: number, transports: readonly TransportName[]): Promise<Comparison[]>;
  /** Marks the start of sweep point `index` (for the progress display). */
  point(label: string, index: number, total: number): void;
}

/** One experiment. */
export interface Scenario {
  readonly name: ScenarioName;
  /** One sentence for --help and the report's readers. */
  readonly description: string;
  /** The parameters this scenario reads: shown by --help, stored in Results.params. */
  readonly uses: readonly (keyof ScenarioParams)[];
  /** Parameters of a full run (the reference report): each scenario under ~5 minutes here. */
  readonly full: Partial<ScenarioParams>;
  /** Overrides for `--quick`: well under a minute. */
  readonly quick: Partial<ScenarioParams>;
  /** A fresh server process for every window (clean RSS baselines; costs ~1 s a window). */
  readonly freshServerPerWindow?: boolean;
  /**
   * Reads the generic options the way this scenario means them (e.g. `--rtt` as the rtt
   * sweep's one point); `given` is what the command line set. Absent: params as merged.
   */
  refine?(params: ScenarioParams, given: Partial<ScenarioParams>): ScenarioParams;
  run(ctx: ScenarioContext): Promise<Run[]>;
  /**
   * Target checks only this scenario can make, added after `checkTargets`' (which sees the
   * results alone, not what the scenario meant to offer); `checked` is what it found.
   */
  extraTargets?(results: Results, params: ScenarioParams, checked: readonly TargetCheck[]): TargetCheck[];
}

/** The publish plan of the `ratePerSec` parameter: Poisson, or nothing at rate 0. */
export function poissonPlan(p: ScenarioParams): PublishPlan {
  return p.ratePerSec > 0 ? { kind: 'poisson', ratePerSec: p.ratePerSec } : { kind: 'none' };
}

/** The delay proxy's one-way delay for `rttMs`: null (no proxy) at 0. */
export function delayOf(rttMs: number): number | null {
  return rttMs > 0 ? rttMs / 2 : null;
}

/** The fields of a RunSpec every scenario takes straight from its parameters. */
export function baseSpec(p: ScenarioParams): Omit<RunSpec, 'label' | 'point'> {
  return {
    transports: p.transports,
    clients: p.clients,
    durationMs: p.durationMs,
    plan: poissonPlan(p),
    pollIntervalMs: p.pollIntervalMs,
    longPollTimeoutMs: p.longPollTimeoutMs,
    delayMs: delayOf(p.rttMs),
  };
}

/** Runs `each` over the sweep values in order, announcing each point. */
export async function sweepRuns(
  ctx: ScenarioContext,
  values: readonly number[],
  label: (x: number) => string,
  each: (x: number, label: string) => Promise<Run>,
): Promise<Run[]> {
  const runs: Run[] = [];
  for (const [i, x] of values.entries()) {
    const l = label(x);
    ctx.point(l, i, values.length);
    runs.push(await each(x, l));
  }
  return runs;
}
