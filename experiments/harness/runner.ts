/**
 * Runs one scenario end to end and returns its Results: parameters merged, harness started,
 * the scenario's Runs measured, targets checked, harness stopped. Plain data out; the CLI
 * writes it (report.ts) and prints it (print.ts), and progress only listens to its events.
 */
import os from 'node:os';
import { checkTargets } from '../aggregate.ts';
import { describeEnvironment } from '../environment.ts';
import { floorComparisons } from '../peers/run.ts';
import { RESULTS_VERSION, type Results } from '../results-schema.ts';
import { PARAM_DEFAULTS, type Scenario, type ScenarioParams } from '../scenarios/scenario.ts';
import type { HarnessListener } from './events.ts';
import { startHarness } from './harness.ts';

/** How to run a scenario, beyond its parameters. */
export interface RunnerOptions {
  /** Hears what the harness does (progress bars, notes). */
  listener?: HarnessListener;
  /** Write V8 CPU profiles of the server child(ren) here. */
  cpuProfDir?: string;
  /** Load processes on the load core. */
  loadProcesses?: number;
}

/**
 * The parameters of a run: `{ ...PARAM_DEFAULTS, ...full, ...quick (with --quick), ...given }`,
 * then the scenario's own reading of the generic options (`refine`).
 */
export function resolveParams(scenario: Scenario, quick: boolean, given: Partial<ScenarioParams>): ScenarioParams {
  const merged: ScenarioParams = { ...PARAM_DEFAULTS, ...scenario.full, ...(quick ? scenario.quick : {}), ...given };
  return scenario.refine ? scenario.refine(merged, given) : merged;
}

/** The parameters a scenario reads, as `Results.params` stores them (lists comma-joined). */
export function paramsRecord(scenario: Scenario, params: ScenarioParams, quick: boolean): Results['params'] {
  const out: Results['params'] = {};
  for (const key of scenario.uses) {
    const v = params[key];
    out[key] = Array.isArray(v) ? v.join(',') : v;
  }
  out.quick = quick;
  return out;
}

/** Runs `scenario` with `params` on a fresh harness; the Results, targets checked. */
export async function runScenario(
  scenario: Scenario,
  params: ScenarioParams,
  quick: boolean,
  opts: RunnerOptions = {},
): Promise<Results> {
  const startedAt = new Date();
  const t0 = performance.now();
  const listener = opts.listener ?? (() => {});
  const harness = await startHarness({
    listener,
    freshServerPerWindow: scenario.freshServerPerWindow ?? false,
    ...(opts.cpuProfDir ? { cpuProfDir: opts.cpuProfDir } : {}),
    ...(opts.loadProcesses ? { loadProcesses: opts.loadProcesses } : {}),
  });
  const warnings: string[] = [];
  if (!harness.pinned) {
    warnings.push(
      'The server and the clients were not pinned to separate cores (no taskset, or one core): server CPU figures include the load generator.',
    );
  }
  try {
    const runs = await scenario.run({
      params,
      async measure(spec) {
        const m = await harness.measure(spec);
        warnings.push(...m.warnings);
        return m.run;
      },
      capacity: (capOpts) => harness.capacity(capOpts),
      floors: (clients, transports) =>
        floorComparisons({
          transports,
          clients,
          ratePerSec: params.ratePerSec,
          durationMs: params.durationMs,
          pollIntervalMs: params.pollIntervalMs,
          reps: quick ? 1 : 2,
          listener,
        }),
      point: (label, index, total) => listener({ type: 'run', label, index, total }),
    });
    const results: Results = {
      version: RESULTS_VERSION,
      scenario: scenario.name,
      params: paramsRecord(scenario, params, quick),
      // The machine's cores: describeEnvironment reads availableParallelism(), which by now
      // counts only the one core this (pinned) process may use.
      environment: { ...describeEnvironment(startedAt, performance.now() - t0), cores: os.cpus().length },
      runs,
      warnings,
    };
    const checked = checkTargets(results);
    results.targets = [...checked, ...(scenario.extraTargets?.(results, params, checked) ?? [])];
    return results;
  } finally {
    await harness.close();
  }
}
