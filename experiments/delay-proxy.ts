/**
 * An in-process TCP proxy that adds one-way delay and jitter in each direction: the rtt
 * scenario's network, with no root and no `tc netem`. Clients connect to the proxy; it
 * connects to the target and forwards bytes both ways, each chunk released `delay ± jitter` ms
 * after it arrived.
 *
 * Order: a TCP stream is ordered, so jitter must not reorder it. A chunk is released at
 * max(its own due time, the previous chunk's release time): late chunks hold back the ones
 * behind them, exactly like a real jittery link does to a TCP stream (head-of-line blocking).
 *
 * Timing: a chunk is never released early. Timers are checked against `performance.now()`
 * and re-armed if they fire before the due time, so the added delay is ≥ the configured one
 * (by at most the event loop's lateness).
 *
 * Memory (per connection and direction): at most `maxQueuedBytes` plus one read (≤ 64 KiB)
 * waits in the delay queue — above it the source socket is paused, so TCP flow control pushes
 * back on the sender — plus the destination socket's write buffer, which is not written to
 * while it reports backpressure. So a proxy with C connections holds at most about
 * 2 · C · (maxQueuedBytes + 64 KiB + the socket's writableHighWaterMark).
 *
 * Not emulated: connection set-up (the kernel completes the client's handshake with the proxy
 * at once, so opening a connection costs no extra round trip), bandwidth and loss.
 */
import net from 'node:net';

/** Every default of the proxy. */
export const DELAY_PROXY_DEFAULTS = {
  /** Where the proxy listens; port 0 picks a free one. */
  host: '127.0.0.1',
  port: 0,
  /** Added one-way delay, ms, in each direction. */
  delayMs: 0,
  /** Each chunk's delay is delayMs + U(−jitterMs, +jitterMs), never below 0. */
  jitterMs: 0,
  /** Bytes queued per direction before the source is paused (backpressure). */
  maxQueuedBytes: 1024 * 1024,
  /** Source of randomness for jitter, in [0, 1); injectable for tests. */
  random: Math.random as () => number,
};

export type DelayProxyOptions = Partial<typeof DELAY_PROXY_DEFAULTS> & {
  /** Where to forward to. */
  target: { host: string; port: number };
};

/** A running proxy. */
export interface DelayProxy {
  readonly host: string;
  readonly port: number;
  /** Connections open now. */
  readonly connections: number;
  /** Stops listening and destroys every connection (both sides), dropping queued bytes. */
  close(): Promise<void>;
}

interface Queued {
  due: number;
  chunk: Buffer | null; // null: the source ended, end the destination
}

/**
 * One direction of one connection: reads `from`, writes to `to`, each chunk delayed. Calls
 * `fail` on an error either side; it is the caller's job to tear both sockets down.
 */
class DelayedPipe {
  readonly #queue: Queued[] = [];
  #queuedBytes = 0;
  #lastDue = 0;
  #timer: NodeJS.Timeout | undefined;
  #blocked = false;
  #stopped = false;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly opts: typeof DELAY_PROXY_DEFAULTS,
  ) {
    from.on('data', (chunk: Buffer) => this.#enqueue(chunk));
    from.on('end', () => this.#enqueueEnd());
    to.on('drain', () => {
      this.#blocked = false;
      this.#flush();
    });
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#queue.length = 0;
    this.#queuedBytes = 0;
  }

  #dueTime(): number {
    const { delayMs, jitterMs, random } = this.opts;
    const own = performance.now() + Math.max(0, delayMs + (2 * random() - 1) * jitterMs);
    this.#lastDue = Math.max(this.#lastDue, own);
    return this.#lastDue;
  }

  #enqueue(chunk: Buffer): void {
    if (this.#stopped) return;
    this.#queue.push({ due: this.#dueTime(), chunk });
    this.#queuedBytes += chunk.length;
    if (this.#queuedBytes > this.opts.maxQueuedBytes) this.from.pause();
    this.#schedule();
  }

  #enqueueEnd(): void {
    if (this.#stopped) return;
    this.#queue.push({ due: this.#dueTime(), chunk: null });
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#blocked || this.#stopped) return;
    const head = this.#queue[0];
    if (!head) return;
    const wait = head.due - performance.now();
    if (wait <= 0) {
      this.#flush();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, Math.ceil(wait));
  }

  #flush(): void {
    if (this.#stopped) return;
    if (this.to.destroyed) {
      this.stop();
      return;
    }
    const now = performance.now();
    while (!this.#blocked) {
      const head = this.#queue[0];
      if (!head || head.due > now) break;
      this.#queue.shift();
      if (head.chunk === null) {
        this.to.end();
        continue;
      }
      this.#queuedBytes -= head.chunk.length;
      if (!this.to.write(head.chunk)) this.#blocked = true;
    }
    if (this.from.isPaused() && this.#queuedBytes <= this.opts.maxQueuedBytes / 2) this.from.resume();
    this.#schedule();
  }
}

/** Starts a proxy to `options.target`; resolves once it is listening. */
export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const opts = { ...DELAY_PROXY_DEFAULTS, ...definedOnly(options) };
  if (!(opts.delayMs >= 0 && opts.jitterMs >= 0)) throw new RangeError('delayMs and jitterMs must be ≥ 0');
  const { target } = options;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; pipes: DelayedPipe[] }>();

  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    // Half-open on both sides: a FIN is forwarded with the same delay as the bytes before it,
    // instead of Node closing our side of the socket at once.
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    const pair = {
      client,
      upstream,
      pipes: [new DelayedPipe(client, upstream, opts), new DelayedPipe(upstream, client, opts)],
    };
    pairs.add(pair);
    let closed = 0;
    const teardown = () => {
      for (const p of pair.pipes) p.stop();
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      s.on('error', teardown);
      s.on('close', (hadError) => {
        if (hadError) teardown();
        if (++closed === 2) pairs.delete(pair);
      });
    }
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('delay proxy: no TCP address');

  return {
    host: address.address,
    port: address.port,
    get connections() {
      return pairs.size;
    },
    close() {
      return new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        for (const p of pairs) {
          for (const pipe of p.pipes) pipe.stop();
          p.client.destroy();
          p.upstream.destroy();
        }
        pairs.clear();
      });
    },
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
