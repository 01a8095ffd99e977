import { createLogger, type Logger, silentLogger } from './log.ts';
import { Metrics, type Violation } from './metrics.ts';
import type { Stats } from './stats.ts';
import { ViolationLog } from './violations.ts';

/**
 * What every part of the server reports to: the structured log and the Prometheus metrics.
 * One object, so transports and the publisher take one dependency for observability.
 */
export interface Observer {
  readonly log: Logger;
  readonly metrics: Metrics;
  /** The throttled log of violations (refusals and punishments), for kinds counted elsewhere. */
  readonly violations: ViolationLog;
  /**
   * A refused or punished request: counted in `pushrace_violations_total{kind}` every time,
   * logged as `{"event":"violation","kind":…}` within the throttle (first 5 a second per IP).
   * `fields` say who and where (ip, path, transport, code): never bodies, query strings or tokens.
   */
  violation(kind: Violation, fields: { ip?: string | undefined; [field: string]: unknown }): void;
}

function observerOf(log: Logger, stats: Stats): Observer {
  const metrics = new Metrics(stats);
  const violations = new ViolationLog(log);
  return {
    log,
    metrics,
    violations,
    violation(kind, fields) {
      metrics.violation(kind);
      violations.report(kind, fields);
    },
  };
}

/** The observer of a running server, at the configured log level. */
export function createObserver(stats: Stats, logLevel: string): Observer {
  return observerOf(createLogger(logLevel), stats);
}

/** A quiet observer, for an app built without a server (tests of `createApp`). */
export function silentObserver(stats: Stats): Observer {
  return observerOf(silentLogger(), stats);
}
