/**
 * A fleet of simulated clients of one transport, in one load process: each is a client/lib
 * transport exactly as the browser runs it, given Node's networking (http-fetch.ts), and
 * recording what it received and when. Measuring only: the parent aggregates.
 */
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { createTransport } from '../../client/lib/index.ts';
import type {
  ClientTransport,
  ConnectionState,
  EventSourceConstructor,
  FeedMessage,
  ResumePoint,
  TransportName,
  WebSocketConstructor,
} from '../../client/lib/types.ts';
import { connectionFetch, eventSourceFetch } from './http-fetch.ts';
import { ClientConnection } from './raw-http.ts';

/** What the parent asks a load process to run. */
export interface FleetSpec {
  transport: TransportName;
  clients: number;
  /** The server, or the delay proxy in front of it. */
  baseUrl: string;
  /** Where every client starts: the head at start, so none misses a message published early. */
  from: ResumePoint;
  pollIntervalMs: number;
  longPollTimeoutMs: number;
  /** Loopback source addresses, assigned round-robin (see http-fetch.ts on ephemeral ports). */
  sourceAddresses: string[];
  /** Index of this process's first client across all load processes (round-robin continuity). */
  firstIndex: number;
  /**
   * Poll clients start evenly spread over this many ms (one interval), so their polls are not in
   * phase with each other: in phase, every client would see the same latency for a message.
   */
  spreadMs: number;
  /** Other clients start this many at a time, each batch once the previous one is ready. */
  batchSize: number;
  /** How long starting may take before the fleet reports how many got ready. */
  readyTimeoutMs: number;
  /** `raw`: the peers scenario's lightweight clients (raw-fleet.ts) instead of client/lib. */
  client?: 'lib' | 'raw';
}

/** What a fleet measured in the window, packed flat so it crosses IPC as typed arrays. */
export interface FleetSamples {
  /** Client i's receptions are `seqs[offsets[i]] … seqs[offsets[i + 1] − 1]`. */
  offsets: Int32Array;
  seqs: Float64Array;
  /** `receivedAt − ts` of each reception, ms. */
  latencies: Float64Array;
  /** Requests each client put on the wire in the window. */
  requests: Int32Array;
  /** This process's CPU over the window, percent of one core. */
  cpuPercent: number;
  errors: number;
  /** A few distinct error messages, for the warning. */
  errorSamples: string[];
  resets: number;
  /** Clients left out of the window because they were not ready when it opened. */
  excluded: number;
  /** Mean JSON length of the messages one client received (the bytes model's input); null if none. */
  messageBytes: number | null;
}

/** A client is ready when it has reached its steady state: polling, held, or a stream open. */
const READY: Record<TransportName, ConnectionState> = {
  poll: 'waiting',
  'long-poll': 'waiting',
  sse: 'open',
  ws: 'open',
  socketio: 'open',
};

class SimClient {
  seqs: number[] = [];
  latencies: number[] = [];
  highest = 0;
  requests = 0;
  ready = false;
  /** Waited for and counted: every client until `mark`, then those ready when the window opened. */
  counted = true;
  reached = false;
  transport: ClientTransport | undefined;
  readonly localAddress: string | undefined;
  /** The client's HTTP connection (poll, long-poll, sse); ws opens its own socket. */
  readonly conn: ClientConnection;

  constructor(localAddress: string | undefined) {
    this.localAddress = localAddress;
    this.conn = new ClientConnection({
      ...(localAddress ? { localAddress } : {}),
      onRequest: () => this.requests++,
    });
  }
}

function webSocketFor(c: SimClient): WebSocketConstructor {
  const localAddress = c.localAddress;
  return class extends WebSocket {
    constructor(url: string) {
      c.requests++;
      super(url, localAddress ? { localAddress } : {});
    }
  };
}

function eventSourceFor(conn: ClientConnection): EventSourceConstructor {
  const fetch = eventSourceFetch(conn);
  return class extends EventSource {
    constructor(url: string) {
      super(url, { fetch });
    }
  };
}

/** The clients of one transport in this process. */
export class Fleet {
  readonly #spec: FleetSpec;
  readonly #clients: SimClient[];
  readonly #onProgress: (ready: number) => void;
  #ready = 0;
  #errors = 0;
  readonly #errorSamples = new Set<string>();
  #resets = 0;
  #sizes = { bytes: 0, count: 0 };
  #mark = { cpu: process.cpuUsage(), at: performance.now() };
  #target: { seq: number; reached: number; done(): void } | undefined;
  /** The clients the window counts (all of them until `mark`). */
  #counted: SimClient[] = [];
  #onReady: (() => void) | undefined;

  constructor(spec: FleetSpec, onProgress: (ready: number) => void) {
    this.#spec = spec;
    this.#onProgress = onProgress;
    const addrs = spec.sourceAddresses;
    this.#clients = Array.from(
      { length: spec.clients },
      (_, i) => new SimClient(addrs.length > 0 ? addrs[(spec.firstIndex + i) % addrs.length] : undefined),
    );
    this.#counted = this.#clients;
  }

  /** Starts every client; resolves with how many got ready within `readyTimeoutMs`. */
  async start(): Promise<number> {
    const spec = this.#spec;
    const deadline = performance.now() + spec.readyTimeoutMs;
    const allReady = (n: number) => this.#ready >= n;
    const waitReady = (n: number) =>
      new Promise<void>((resolve) => {
        if (allReady(n) || performance.now() >= deadline) return resolve();
        const timer = setTimeout(
          () => {
            this.#onReady = undefined;
            resolve();
          },
          Math.max(0, deadline - performance.now()),
        );
        this.#onReady = () => {
          if (!allReady(n)) return;
          clearTimeout(timer);
          this.#onReady = undefined;
          resolve();
        };
      });
    const ticker = setInterval(() => this.#onProgress(this.#ready), 200);
    try {
      if (spec.spreadMs > 0) {
        const step = spec.spreadMs / Math.max(1, this.#clients.length);
        await Promise.all(
          this.#clients.map(
            (c, i) =>
              new Promise<void>((resolve) =>
                setTimeout(() => {
                  this.#startClient(c);
                  resolve();
                }, i * step),
              ),
          ),
        );
        await waitReady(this.#clients.length);
      } else {
        for (let i = 0; i < this.#clients.length && performance.now() < deadline; i += spec.batchSize) {
          for (const c of this.#clients.slice(i, i + spec.batchSize)) this.#startClient(c);
          await waitReady(Math.min(this.#clients.length, i + spec.batchSize));
        }
      }
    } finally {
      clearInterval(ticker);
    }
    this.#onProgress(this.#ready);
    return this.#ready;
  }

  #startClient(c: SimClient): void {
    const spec = this.#spec;
    const sampler = c === this.#clients[0];
    const base = {
      baseUrl: spec.baseUrl,
      pollIntervalMs: spec.pollIntervalMs,
      longPollTimeoutMs: spec.longPollTimeoutMs,
    };
    const t = createTransport(spec.transport, {
      ...base,
      fetch: connectionFetch(c.conn),
      WebSocket: webSocketFor(c),
      EventSource: eventSourceFor(c.conn),
    });
    c.transport = t;
    const ready = READY[spec.transport];
    t.start(spec.from, {
      messages: (batch: FeedMessage[], meta: { receivedAt: number }) => {
        for (const m of batch) {
          c.seqs.push(m.seq);
          c.latencies.push(meta.receivedAt - m.ts);
          if (m.seq > c.highest) c.highest = m.seq;
          if (sampler) {
            this.#sizes.bytes += JSON.stringify(m).length;
            this.#sizes.count++;
          }
        }
        const target = this.#target;
        if (target && c.counted && !c.reached && c.highest >= target.seq) {
          c.reached = true;
          if (++target.reached >= this.#counted.length) target.done();
        }
      },
      reset: () => {
        this.#resets++;
      },
      error: (e: Error) => {
        this.#errors++;
        if (this.#errorSamples.size < 5) this.#errorSamples.add(e.message.slice(0, 200));
      },
      state: (s: ConnectionState) => {
        if (s !== ready || c.ready) return;
        c.ready = true;
        this.#ready++;
        this.#onReady?.();
      },
    });
  }

  /**
   * Starts the measured window: samples, request counts, errors and CPU restart from now. The
   * clients not ready by now (an overloaded server never answered them) are left out of the
   * window's counts: they never joined, so nothing they miss is "lost" — their load still counts.
   * Returns how many are counted.
   */
  mark(): number {
    for (const c of this.#clients) {
      c.seqs = [];
      c.latencies = [];
      c.requests = 0;
      c.counted = c.ready;
    }
    this.#counted = this.#clients.filter((c) => c.counted);
    this.#errors = 0;
    this.#errorSamples.clear();
    this.#resets = 0;
    this.#sizes = { bytes: 0, count: 0 };
    this.#mark = { cpu: process.cpuUsage(), at: performance.now() };
    return this.#counted.length;
  }

  /**
   * Resolves once every client has received `seq` (or `timeoutMs` passed): how many had.
   * Before `mark`, every client is waited for; after it, the counted ones.
   */
  awaitSeq(seq: number, timeoutMs: number): Promise<number> {
    const waited = this.#counted;
    const count = () => waited.filter((c) => c.highest >= seq).length;
    for (const c of this.#clients) c.reached = c.highest >= seq;
    const already = count();
    if (already >= waited.length) return Promise.resolve(already);
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#target = undefined;
        resolve(count());
      };
      const timer = setTimeout(finish, timeoutMs);
      this.#target = { seq, reached: already, done: finish };
    });
  }

  /** How many of the waited-for clients have received `seq` so far (progress while waiting). */
  reachedCount(seq: number): number {
    return this.#counted.filter((c) => c.highest >= seq).length;
  }

  /** The window's samples, packed. */
  collect(): FleetSamples {
    const cpu = process.cpuUsage(this.#mark.cpu);
    const wallMs = performance.now() - this.#mark.at;
    const clients = this.#counted;
    const n = clients.length;
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) offsets[i + 1] = (offsets[i] ?? 0) + (clients[i]?.seqs.length ?? 0);
    const total = offsets[n] ?? 0;
    const seqs = new Float64Array(total);
    const latencies = new Float64Array(total);
    const requests = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = clients[i];
      if (!c) continue;
      seqs.set(c.seqs, offsets[i]);
      latencies.set(c.latencies, offsets[i]);
      requests[i] = c.requests;
    }
    return {
      offsets,
      seqs,
      latencies,
      requests,
      cpuPercent: wallMs > 0 ? ((cpu.user + cpu.system) / 1000 / wallMs) * 100 : 0,
      errors: this.#errors,
      errorSamples: [...this.#errorSamples],
      resets: this.#resets,
      excluded: this.#clients.length - n,
      messageBytes: this.#sizes.count > 0 ? this.#sizes.bytes / this.#sizes.count : null,
    };
  }

  /** Stops every client and closes every kept-alive socket. */
  stop(): void {
    for (const c of this.#clients) {
      c.transport?.stop();
      c.conn.close();
    }
  }
}
