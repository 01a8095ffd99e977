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

/** Publishes a ticker value every `intervalMs`. */
export function startTicker(feed: Feed, intervalMs: number): RunningSource {
  const prices = new Map<string, number>(SYMBOLS.map((s) => [s, 100]));
  const timer = setInterval(() => {
    const symbol = pick(SYMBOLS);
    const before = prices.get(symbol) ?? 100;
    const price = Math.max(1, Math.round(before * (1 + (Math.random() - 0.5) / 50) * 100) / 100);
    prices.set(symbol, price);
    const body: TickerBody = { symbol, price, change: Math.round((price - before) * 100) / 100 };
    void feed.publish({ source: 'ticker', body });
  }, intervalMs);
  timer.unref();
  return { name: 'ticker', stop: () => clearInterval(timer) };
}

/** Publishes `rate` simulated access-log lines a second (0 = none). */
export function startLog(feed: Feed, rate: number): RunningSource {
  if (rate <= 0) return { name: 'log', stop: () => {} };
  const timer = setInterval(
    () => {
      const ms = Math.round(Math.random() * 120);
      const line = `${new Date().toISOString()} ${pick(LEVELS)} api ${pick(ROUTES)} ${pick(STATUSES)} ${ms}ms`;
      void feed.publish({ source: 'log', body: line });
    },
    Math.max(1, 1000 / rate),
  );
  timer.unref();
  return { name: 'log', stop: () => clearInterval(timer) };
}

/** Starts the generators named in the configuration. */
export function startSources(
  feed: Feed,
  opts: { sources: ReadonlyArray<'ticker' | 'log'>; tickerIntervalMs: number; logRate: number },
): RunningSource[] {
  return opts.sources.map((name) =>
    name === 'ticker' ? startTicker(feed, opts.tickerIntervalMs) : startLog(feed, opts.logRate),
  );
}
