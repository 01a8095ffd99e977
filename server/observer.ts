import { createLogger, type Logger, silentLogger } from './log.ts';
import { Metrics } from './metrics.ts';
import type { Stats } from './stats.ts';

/**
 * What every part of the server reports to: the structured log and the Prometheus metrics.
 * One object, so transports and the publisher take one dependency for observability.
 */
export interface Observer {
  readonly log: Logger;
  readonly metrics: Metrics;
}

/** The observer of a running server, at the configured log level. */
export function createObserver(stats: Stats, logLevel: string): Observer {
  return { log: createLogger(logLevel), metrics: new Metrics(stats) };
}

/** A quiet observer, for an app built without a server (tests of `createApp`). */
export function silentObserver(stats: Stats): Observer {
  return { log: silentLogger(), metrics: new Metrics(stats) };
}
