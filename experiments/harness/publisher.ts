/**
 * The harness's side of the feed: it publishes `bench` messages on a schedule over HTTP
 * (`POST /api/messages`, counted under `other` in the server's stats, so no transport's
 * figures include the publisher). It records the seq of every message it published: the set
 * every client must receive exactly once.
 */
import { randomBytes } from 'node:crypto';
import { publishHttp, ServerError } from '../../client/lib/index.ts';
import type { FetchLike } from '../../client/lib/types.ts';
import { connectionFetch } from './http-fetch.ts';
import { ClientConnection } from './raw-http.ts';

/** When messages are published during a window. */
export type PublishPlan =
  /** Nothing (the idle scenario). */
  | { kind: 'none' }
  /** Poisson arrivals at `ratePerSec`: independent of the clients' schedules, so no phase lock. */
  | { kind: 'poisson'; ratePerSec: number }
  /** `size` messages at once every `everyMs`, the first half a period in. */
  | { kind: 'bursts'; size: number; everyMs: number };

/** One moment of a schedule: `count` messages published together at `atMs` into the window. */
export interface PublishAt {
  atMs: number;
  count: number;
}

/** Every default of the publisher. */
export const PUBLISHER_DEFAULTS = {
  /** Publishes in flight at most; beyond it the schedule waits (and slips, which the rate shows). */
  maxInFlight: 256,
  /** Connections publishing in parallel (opened before the clients, kept open). */
  connections: 16,
  /** An idle publishing connection is used this often, under the server's 5 s keep-alive timeout. */
  keepWarmMs: 2000,
  /** Most messages one schedule may hold, so a typo in a rate cannot run away. */
  maxMessages: 2_000_000,
  /**
   * Attempts of a request that failed on the network (an overloaded server drops connection
   * attempts): a publish carries an id, so sending it again stores it once.
   */
  attempts: 6,
  /** First retry delay, doubled each time (250, 500, … 4000 ms). */
  retryMs: 250,
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `fn`, tried again after network failures and 5xx; any other answer from the server is final. */
async function withRetries<T>(what: string, fn: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < PUBLISHER_DEFAULTS.attempts; i++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ServerError && (err.status ?? 0) < 500) throw err;
      last = err;
      if (i + 1 < PUBLISHER_DEFAULTS.attempts) await sleep(PUBLISHER_DEFAULTS.retryMs * 2 ** i);
    }
  }
  const why =
    last instanceof Error
      ? `${last.message}${last.cause instanceof Error ? ` (${last.cause.message})` : ''}`
      : String(last);
  throw new Error(`${what} failed ${PUBLISHER_DEFAULTS.attempts} times: ${why}`);
}

/** The publish moments of `plan` over `durationMs`, in order. `random` in [0, 1) (seedable). */
export function scheduleOf(plan: PublishPlan, durationMs: number, random: () => number = Math.random): PublishAt[] {
  const out: PublishAt[] = [];
  if (plan.kind === 'poisson' && plan.ratePerSec > 0) {
    const meanGap = 1000 / plan.ratePerSec;
    for (let t = -Math.log(1 - random()) * meanGap; t < durationMs; t += -Math.log(1 - random()) * meanGap) {
      out.push({ atMs: t, count: 1 });
      if (out.length >= PUBLISHER_DEFAULTS.maxMessages) break;
    }
  }
  if (plan.kind === 'bursts' && plan.size > 0 && plan.everyMs > 0) {
    for (let t = plan.everyMs / 2; t < durationMs; t += plan.everyMs) out.push({ atMs: t, count: plan.size });
  }
  return out;
}

/** What a schedule run published. */
export interface Published {
  /** Seqs the server stored, in publish order. */
  seqs: number[];
  /** Publishes that failed (their message may or may not be stored). */
  failures: number;
  firstError: string | undefined;
}

/**
 * Connections the publisher keeps open from the start, before any client connects, and keeps
 * warm with a `GET /healthz` before the server's 5 s keep-alive timeout: an overloaded server
 * (10 000 polling clients) may not accept a new connection for minutes, and publishing must
 * not depend on one. Its requests are counted under `other`, never under a transport.
 */
class ConnectionPool {
  readonly #base: string;
  readonly #free: ClientConnection[] = [];
  readonly #waiting: Array<(c: ClientConnection) => void> = [];
  readonly #usedAt = new Map<ClientConnection, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(base: string, size: number) {
    this.#base = base;
    for (let i = 0; i < size; i++) this.#free.push(new ClientConnection({ onRequest: () => {} }));
    this.#timer = setInterval(() => this.#keepWarm(), PUBLISHER_DEFAULTS.keepWarmMs);
    this.#timer.unref();
  }

  /** Opens every connection (one request each). */
  async open(): Promise<void> {
    await Promise.all(this.#free.map(() => this.fetch(`${this.#base}/healthz`)));
  }

  /** A fetch on the next free connection. */
  readonly fetch: FetchLike = async (url, init) => {
    const c = await this.#acquire();
    try {
      return await connectionFetch(c)(url, init);
    } finally {
      this.#release(c);
    }
  };

  close(): void {
    clearInterval(this.#timer);
    for (const c of this.#free) c.close();
  }

  #acquire(): Promise<ClientConnection> {
    const c = this.#free.pop();
    return c ? Promise.resolve(c) : new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(c: ClientConnection): void {
    this.#usedAt.set(c, performance.now());
    const next = this.#waiting.shift();
    if (next) next(c);
    else this.#free.push(c);
  }

  #keepWarm(): void {
    const stale = performance.now() - PUBLISHER_DEFAULTS.keepWarmMs;
    for (const c of [...this.#free]) {
      if ((this.#usedAt.get(c) ?? 0) > stale) continue;
      this.#free.splice(this.#free.indexOf(c), 1);
      connectionFetch(c)(`${this.#base}/healthz`).then(
        () => this.#release(c),
        () => this.#release(c),
      );
    }
  }
}

/**
 * Publishes `bench` messages over HTTP, each with an id, so one retried after a network failure
 * is stored once. Reading the counters goes through the server process (server-process.ts).
 */
export class FeedClient {
  readonly #base: string;
  readonly #pool: ConnectionPool;
  /** Prefix of this client's message ids, so ids never repeat across harness runs. */
  readonly #idPrefix = `bench-${randomBytes(4).toString('hex')}`;
  #next = 0;

  private constructor(baseUrl: string) {
    this.#base = baseUrl;
    this.#pool = new ConnectionPool(baseUrl, PUBLISHER_DEFAULTS.connections);
  }

  /** A publisher with its connections open. */
  static async open(baseUrl: string): Promise<FeedClient> {
    const f = new FeedClient(baseUrl);
    await f.#pool.open();
    return f;
  }

  /**
   * Publishes `schedule` from now; `onPublished(n)` after each answer. Resolves when every
   * publish has been answered.
   */
  async run(schedule: readonly PublishAt[], onPublished: (n: number) => void = () => {}): Promise<Published> {
    const start = performance.now();
    const seqs = new Set<number>();
    const inFlight = new Set<Promise<void>>();
    let failures = 0;
    let firstError: string | undefined;
    const one = () => {
      const k = this.#next++;
      const message = { body: { n: k }, source: 'bench' as const, id: `${this.#idPrefix}-${k}` };
      const p = withRetries('publish', () => publishHttp(this.#base, message, this.#pool.fetch)).then(
        (ack) => {
          seqs.add(ack.seq);
        },
        (err: unknown) => {
          failures++;
          firstError ??= err instanceof Error ? err.message : String(err);
        },
      );
      const tracked = p.finally(() => {
        inFlight.delete(tracked);
        onPublished(seqs.size);
      });
      inFlight.add(tracked);
    };
    for (const at of schedule) {
      const wait = start + at.atMs - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      for (let i = 0; i < at.count; i++) {
        while (inFlight.size >= PUBLISHER_DEFAULTS.maxInFlight) await Promise.race(inFlight);
        one();
      }
    }
    await Promise.all(inFlight);
    return { seqs: [...seqs].sort((a, b) => a - b), failures, firstError };
  }

  /** Closes the publisher's connections. */
  close(): void {
    this.#pool.close();
  }
}
