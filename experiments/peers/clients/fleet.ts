/**
 * Many raw clients of one kind in one load process (pinned to the load core): started in
 * batches, each with its own tracker; the window's figures collected at the end as a few sums
 * and two typed arrays. Measuring only: the parent aggregates.
 */
import { openPolling, openSocketIoPolling, openSse } from './http.ts';
import { Samples, Tracker } from './track.ts';
import { openWs, type RawTarget } from './ws.ts';

/** The wire behaviours a raw client can have. */
export const CLIENT_KINDS = ['ws', 'socket.io-ws', 'sse', 'long-poll', 'socket.io-polling', 'poll'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** What the parent asks a load process to run. */
export interface RawFleetSpec {
  kind: ClientKind;
  /** `http://host:port` of the server. */
  url: string;
  /** Path and query of the first request (the cursor is added by the polling clients). */
  path: string;
  clients: number;
  /** The server's head when the clients connect: the seq each starts after. */
  head: number;
  /** Polling clients: the wait after each answer. */
  pollIntervalMs: number;
  /** Loopback source addresses, round-robin (ephemeral ports are per address). */
  sourceAddresses: readonly string[];
  /** Clients started at once; polling clients are spread over one interval instead. */
  batchSize: number;
  readyTimeoutMs: number;
  /** Keep every reception per client (the harness's aggregation checks order and duplicates itself). */
  record?: boolean;
}

/** What a window measured, over this process's clients. */
export interface RawSamples {
  /** Publish → receive, ms, one per message per client. */
  latencies: Float64Array;
  /** Request round trips, ms (polling clients). */
  rtts: Float64Array;
  requests: number;
  /** Seqs a client skipped, plus those up to the target it never got. */
  lost: number;
  duplicated: number;
  /** Clients with anything lost: lost = 0 is checked per client. */
  clientsWithLoss: number;
  /** This process's CPU over the window, and the window's wall time, ms. */
  cpuMs: number;
  wallMs: number;
  errors: number;
  errorSamples: string[];
}

/** One raw client: its tracker, whether it reached its steady state, how to stop it. */
export interface Client {
  tracker: Tracker;
  ready: boolean;
  handle: { close(): void } | undefined;
}

/** The clients of one kind in this process. */
export class RawFleet {
  readonly #spec: RawFleetSpec;
  readonly #clients: Client[];
  readonly #latencies = new Samples();
  readonly #rtts = new Samples();
  #ready = 0;
  #errors = 0;
  readonly #errorSamples = new Set<string>();
  #cpu = process.cpuUsage();
  #markedAt = performance.now();
  #onProgress: (ready: number) => void;
  /** The clients a window counts: all until `mark`, then those ready when it opened. */
  #counted: Client[];

  constructor(spec: RawFleetSpec, onProgress: (ready: number) => void = () => {}) {
    this.#spec = spec;
    this.#onProgress = onProgress;
    this.#clients = Array.from({ length: spec.clients }, () => ({
      tracker: new Tracker(spec.head, this.#latencies, spec.record === true),
      ready: false,
      handle: undefined,
    }));
    this.#counted = this.#clients;
  }

  /** The counted clients (see `mark`). */
  get counted(): readonly Client[] {
    return this.#counted;
  }

  /** Starts every client; how many reached their steady state within `readyTimeoutMs`. */
  async start(): Promise<number> {
    const s = this.#spec;
    const deadline = performance.now() + s.readyTimeoutMs;
    const until = async (n: number) => {
      while (this.#ready < n && performance.now() < deadline) {
        this.#onProgress(this.#ready);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const spread = s.kind === 'poll' ? s.pollIntervalMs / Math.max(1, s.clients) : 0;
    for (let i = 0; i < this.#clients.length; i += s.batchSize) {
      const batch = this.#clients.slice(i, i + s.batchSize);
      for (const [j, c] of batch.entries()) {
        if (spread > 0) setTimeout(() => this.#open(c, i + j), (i + j) * spread);
        else this.#open(c, i + j);
      }
      if (spread === 0) await until(Math.min(this.#clients.length, i + s.batchSize));
    }
    await until(this.#clients.length);
    return this.#ready;
  }

  #open(c: Client, index: number): void {
    const s = this.#spec;
    const url = new URL(s.url);
    const t: RawTarget = {
      host: url.hostname,
      port: Number(url.port),
      localAddress: s.sourceAddresses[index % s.sourceAddresses.length],
      path: s.path,
      tracker: c.tracker,
      onReady: () => {
        if (c.ready) return;
        c.ready = true;
        this.#ready++;
      },
      onError: (why) => {
        this.#errors++;
        if (this.#errorSamples.size < 5) this.#errorSamples.add(why.slice(0, 200));
      },
    };
    if (s.kind === 'ws' || s.kind === 'socket.io-ws') c.handle = openWs(t, s.kind === 'socket.io-ws');
    else if (s.kind === 'sse') c.handle = openSse(t);
    else if (s.kind === 'socket.io-polling') c.handle = openSocketIoPolling(t);
    else c.handle = openPolling(t, s.kind === 'poll' ? s.pollIntervalMs : 0, (ms) => this.#rtts.push(ms));
  }

  /**
   * Opens the window: every count and sample restarts from now, over the clients ready now
   * (one a loaded server never answered never joined: nothing it misses is lost). How many.
   */
  mark(): number {
    for (const c of this.#clients) c.tracker.mark();
    this.#counted = this.#clients.filter((c) => c.ready);
    this.#latencies.clear();
    this.#rtts.clear();
    this.#errors = 0;
    this.#errorSamples.clear();
    this.#cpu = process.cpuUsage();
    this.#markedAt = performance.now();
    return this.#counted.length;
  }

  /** How many counted clients have `seq`. */
  reached(seq: number): number {
    let n = 0;
    for (const c of this.#counted) if (c.tracker.last >= seq) n++;
    return n;
  }

  /** Resolves once every client has `seq`, or `timeoutMs` passed: how many have it. */
  async awaitSeq(seq: number, timeoutMs: number): Promise<number> {
    const end = performance.now() + timeoutMs;
    while (this.reached(seq) < this.#counted.length && performance.now() < end) {
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.reached(seq);
  }

  /** The window's figures; `target` is the last seq published, which every client must have. */
  collect(target: number): RawSamples {
    const cpu = process.cpuUsage(this.#cpu);
    let requests = 0;
    let lost = 0;
    let duplicated = 0;
    let clientsWithLoss = 0;
    for (const { tracker } of this.#counted) {
      const missed = tracker.lost + Math.max(0, target - tracker.last);
      requests += tracker.requests;
      lost += missed;
      duplicated += tracker.duplicated;
      if (missed > 0) clientsWithLoss++;
    }
    return {
      latencies: this.#latencies.take(),
      rtts: this.#rtts.take(),
      requests,
      lost,
      duplicated,
      clientsWithLoss,
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: performance.now() - this.#markedAt,
      errors: this.#errors,
      errorSamples: [...this.#errorSamples],
    };
  }

  stop(): void {
    for (const c of this.#clients) c.handle?.close();
  }
}
