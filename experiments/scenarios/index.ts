/**
 * The scenario registry: one file per scenario, one line here, named as on the command line.
 */
import type { ScenarioName } from '../results-schema.ts';
import { burst } from './burst.ts';
import { capacity } from './capacity.ts';
import { idle } from './idle.ts';
import { intervalSweep } from './interval-sweep.ts';
import { rtt } from './rtt.ts';
import { scale } from './scale.ts';
import type { Scenario } from './scenario.ts';
import { steady } from './steady.ts';

/** Every scenario by its command-line name. */
export const SCENARIO_REGISTRY: Readonly<Record<ScenarioName, Scenario>> = {
  steady,
  burst,
  idle,
  'interval-sweep': intervalSweep,
  rtt,
  scale,
  capacity,
};

export type { Scenario, ScenarioContext, ScenarioParams } from './scenario.ts';
