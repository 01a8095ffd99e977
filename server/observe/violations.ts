import type { Logger } from './log.ts';
import type { Violation } from './metrics.ts';

/** What the log names: the metric's violation kinds, and slow consumers (counted by their own metric). */
export type LoggedViolation = Violation | 'slow_consumer';

/** How violation lines are throttled. */
export interface ViolationLogOptions {
  /** Length of a window, ms. */
  windowMs: number;
  /** Lines logged per (kind, ip) in one window; the rest are counted. */
  burst: number;
  /** Distinct (kind, ip) keys tracked per window; beyond, a kind's lines share one `ip: "*"` key. */
  maxKeys: number;
}

/** One line a second per offender after the first five: enough to see who, not enough to drown. */
export const VIOLATION_LOG_DEFAULTS: ViolationLogOptions = { windowMs: 1000, burst: 5, maxKeys: 1000 };

interface Entry {
  kind: LoggedViolation;
  ip: string;
  logged: number;
  suppressed: number;
}

/**
 * The log of refused and punished requests, throttled per (kind, IP). A flood of bad requests
 * would otherwise cost one synchronous log write each — more than refusing them — and fill the
 * disk: the cheapest way to hurt a server that logs every refusal. So the first `burst` lines
 * of each key in a window are written, the rest only counted, and when the window ends one
 * `violation-suppressed` line per key says how many were left out. The Prometheus counter
 * (`pushrace_violations_total`) still counts every one; this only spares the log.
 */
export class ViolationLog {
  readonly #log: Logger;
  readonly #opts: ViolationLogOptions;
  readonly #entries = new Map<string, Entry>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(log: Logger, opts: ViolationLogOptions = VIOLATION_LOG_DEFAULTS) {
    this.#log = log;
    this.#opts = opts;
  }

  /** Logs (or counts) one violation; `fields` must not hold bodies, query strings or tokens. */
  report(kind: LoggedViolation, fields: { ip?: string | undefined; [field: string]: unknown }): void {
    const ip = fields.ip ?? 'unknown';
    let key = `${kind}|${ip}`;
    let entry = this.#entries.get(key);
    if (!entry && this.#entries.size >= this.#opts.maxKeys) {
      key = `${kind}|*`;
      entry = this.#entries.get(key);
    }
    if (!entry) {
      entry = { kind, ip: key.endsWith('|*') ? '*' : ip, logged: 0, suppressed: 0 };
      this.#entries.set(key, entry);
      // The window starts with its first violation and ends by itself, even if none follow.
      this.#timer ??= setTimeout(() => this.flush(), this.#opts.windowMs).unref();
    }
    if (entry.logged < this.#opts.burst) {
      entry.logged++;
      this.#log.warn({ event: 'violation', kind, ...fields });
    } else {
      entry.suppressed++;
    }
  }

  /** Ends the window: one line per key that had lines left out, then a fresh window. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const e of this.#entries.values()) {
      if (e.suppressed > 0) {
        this.#log.warn(
          {
            event: 'violation-suppressed',
            kind: e.kind,
            ip: e.ip,
            suppressed: e.suppressed,
            windowMs: this.#opts.windowMs,
          },
          `${e.suppressed} more ${e.kind} violations not logged`,
        );
      }
    }
    this.#entries.clear();
  }
}
