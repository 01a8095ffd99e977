import type { Feed } from './feed.ts';

/** A running generator; `stop` clears its timer. */
export interface RunningSource {
  readonly name: 'ticker' | 'log';
  stop(): void;
}

/** A ticker value: a random walk, like the stock ticker of a classic server-push demo. */
export interface TickerBody {
  symbol: string;
  price: number;
  change: number;
}

const SYMBOLS = ['PUSH', 'POLL', 'SSE', 'WS'] as const;
const LEVELS = ['DEBUG', 'INFO', 'INFO', 'INFO', 'WARN', 'ERROR'] as const;
const ROUTES = ['GET /orders', 'POST /orders', 'GET /users/42', 'GET /health', 'PUT /cart', 'DELETE /session'];
const STATUSES = [200, 200, 200, 201, 204, 304, 404, 500];

/** Deterministic-enough pseudo-random choice (Math.random is fine for a demo feed). */
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;

/**
 * When a generator publishes: `random` is a Poisson process (independent gaps drawn from an
 * exponential distribution of the given mean), `fixed` a metronome. A fixed source and a
 * fixed-interval poller of the same period lock in phase: every poll then waits the same time,
 * and the lesson "a poll waits half an interval on average" cannot be seen. Random arrivals
 * are what real feeds look like, and what the load experiments publish; `fixed` stays for
 * showing the phase lock on purpose.
 */
export type SourceTiming = 'random' | 'fixed';

/** The next gap of a schedule with mean `meanMs`; `random` is injectable for tests. */
export function nextGap(meanMs: number, timing: SourceTiming, random: () => number = Math.random): number {
  if (timing === 'fixed') return meanMs;
  // Inverse-transform sampling of the exponential distribution; 1 - random() is in (0, 1].
  return -Math.log(1 - random()) * meanMs;
}

/**
 * Publishes a generated value. A feed that cannot store it now (Redis unreachable: the feed
 * logs that once) refuses; the generator skips the value, as a real source that lost its
 * upstream would, rather than leave an unhandled rejection to crash the server.
 */
function emit(feed: Feed, source: 'ticker' | 'log', body: unknown): void {
  feed.publish({ source, body }).catch(() => {});
}

/** Calls `fn` on the schedule until the returned stop function is called. */
function schedule(meanMs: number, timing: SourceTiming, fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const next = () => {
    timer = setTimeout(
      () => {
        if (stopped) return;
        fn();
        next();
      },
      nextGap(meanMs, timing),
    );
    timer.unref();
  };
  next();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Publishes a ticker value every `intervalMs` (on average, with random timing). */
export function startTicker(feed: Feed, intervalMs: number, timing: SourceTiming = 'random'): RunningSource {
  const prices = new Map<string, number>(SYMBOLS.map((s) => [s, 100]));
  const stop = schedule(intervalMs, timing, () => {
    const symbol = pick(SYMBOLS);
    const before = prices.get(symbol) ?? 100;
    const price = Math.max(1, Math.round(before * (1 + (Math.random() - 0.5) / 50) * 100) / 100);
    prices.set(symbol, price);
    const body: TickerBody = { symbol, price, change: Math.round((price - before) * 100) / 100 };
    emit(feed, 'ticker', body);
  });
  return { name: 'ticker', stop };
}

/** Publishes `rate` simulated access-log lines a second (0 = none; on average, with random timing). */
export function startLog(feed: Feed, rate: number, timing: SourceTiming = 'random'): RunningSource {
  if (rate <= 0) return { name: 'log', stop: () => {} };
  const stop = schedule(1000 / rate, timing, () => {
    const ms = Math.round(Math.random() * 120);
    const line = `${new Date().toISOString()} ${pick(LEVELS)} api ${pick(ROUTES)} ${pick(STATUSES)} ${ms}ms`;
    emit(feed, 'log', line);
  });
  return { name: 'log', stop };
}

/** What the generators of a feed run with; changeable while the server runs (`PUT /api/settings`). */
export interface SourceSettings {
  sources: ReadonlyArray<'ticker' | 'log'>;
  tickerIntervalMs: number;
  logRate: number;
  timing: SourceTiming;
}

/**
 * The generators of one feed as one restartable unit: `apply` stops them and starts them again
 * at the new settings, so a demo can change the feed rate without restarting the server. The
 * server owns one (created stopped, started after listening, stopped by its close), and hands
 * it to the control routes: whatever they start, the server's close stops.
 */
export class SourceSet {
  readonly #feed: Feed;
  #running: RunningSource[] = [];
  #settings: SourceSettings;

  constructor(feed: Feed, settings: SourceSettings) {
    this.#feed = feed;
    this.#settings = { ...settings, sources: [...settings.sources] };
  }

  /** The settings the generators run with now. */
  get settings(): SourceSettings {
    return { ...this.#settings, sources: [...this.#settings.sources] };
  }

  /** Restarts the generators at `settings` (a stopped set starts again). */
  apply(settings: SourceSettings): void {
    this.stop();
    this.#settings = { ...settings, sources: [...settings.sources] };
    this.#running = this.#settings.sources.map((name) =>
      name === 'ticker'
        ? startTicker(this.#feed, settings.tickerIntervalMs, settings.timing)
        : startLog(this.#feed, settings.logRate, settings.timing),
    );
  }

  /** Stops every generator; the settings are kept. */
  stop(): void {
    for (const s of this.#running) s.stop();
    this.#running = [];
  }
}
