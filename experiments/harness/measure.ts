/**
 * One measured window of one transport: connect the clients, snapshot the server's counters,
 * publish on schedule, wait until every client has the last message, snapshot again, collect.
 * The raw measurements go to `aggregateTransport` (pure); this module only orchestrates.
 */
import type { TransportName } from '../../protocol/wire.ts';
import { type Aggregated, aggregateTransport } from '../aggregate.ts';
import type { ModelInputs } from '../results-schema.ts';
import type { HarnessListener } from './events.ts';
import type { LoadPool, LoadSamples } from './load-process.ts';
import { machineBusySince, readMachineTicks } from './machine.ts';
import { type FeedClient, type PublishPlan, scheduleOf } from './publisher.ts';
import type { ServerProcess } from './server-process.ts';

/** One sweep point, as a scenario asks for it. */
export interface RunSpec {
  /** Shown in tables and charts: `T=1000 ms`, `rtt 40 ms`, `1000 clients`. */
  label: string;
  /** The sweep coordinates (Run.point). */
  point: Record<string, number | string>;
  /** Measured one after another, so the server's CPU in each window is that transport's. */
  transports: readonly TransportName[];
  /** Clients per transport. */
  clients: number;
  /** Length of the publishing part of the window, ms. */
  durationMs: number;
  plan: PublishPlan;
  pollIntervalMs: number;
  longPollTimeoutMs: number;
  /** One-way delay the delay proxy adds each way; null: clients connect to the server directly. */
  delayMs: number | null;
  /** Model conditions beyond the ones above (burst size, arrivals). */
  model?: Partial<ModelInputs>;
  /**
   * Store an RSS baseline, so the report derives RSS per connection. Off for loads that fill
   * send buffers (the capacity fan-out): their RSS is queued data, not what a connection costs.
   */
  rssPerConnection?: boolean;
  /** The peers scenario's raw clients instead of client/lib (scale: the server, not the client core, is measured). */
  rawClients?: boolean;
}

/** What the window-runner needs from the harness. */
export interface WindowDeps {
  server: ServerProcess;
  load: LoadPool;
  feed: FeedClient;
  sourceAddresses: string[];
  emit: HarnessListener;
}

/** Timings of the window-runner, in one place. */
export const MEASURE_DEFAULTS = {
  /** Clients started at once (poll clients are spread over one interval instead). */
  batchSize: 250,
  /** Time allowed to connect, plus this much per client. */
  readyBaseMs: 20_000,
  readyPerClientMs: 2,
  /** Messages published before the window (not measured), 50 ms apart. */
  warmupMessages: 3,
  /** Pause between "all connected" and the window, so connection set-up is over. */
  settleMs: 300,
  /** After the last publish, time allowed for every client to receive it, beyond one poll interval. */
  catchUpMs: 15_000,
  /**
   * Past `catchUpMs`, the wait goes on while clients are still receiving (an overloaded server
   * is late, not lossy): until no client has reached the message for `stallMs`, or `drainCapMs`.
   */
  stallMs: 10_000,
  drainCapMs: 180_000,
  /** Time allowed for held long-polls to show up in the server's stats, and for sockets to close. */
  gaugeWaitMs: 15_000,
  /** Above this CPU share of a core used by processes other than the experiment's, the window is flagged noisy. */
  othersBusyPercent: 15,
};

/** The window's measurements and raw samples (tests check per-client request counts). */
export interface Measured extends Aggregated {
  samples: LoadSamples;
  /** The window as the aggregation saw it. */
  durationMs: number;
  published: number[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until it holds or `ms` passed; whether it held. */
async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (performance.now() >= end) return false;
    await sleep(100);
  }
}

/**
 * Waits until the `counted` clients have `seq`: `allowMs`, then as long as more of them keep
 * getting it (see `MEASURE_DEFAULTS.stallMs`), so what a slow server delivers late is counted
 * as late, and only what never comes as lost. How many have it, and how long past `allowMs`
 * the wait went on.
 */
async function drain(
  load: WindowDeps['load'],
  seq: number,
  counted: number,
  allowMs: number,
): Promise<{ reached: number; extraMs: number }> {
  const opts = MEASURE_DEFAULTS;
  let reached = await load.awaitSeq(seq, allowMs);
  const start = performance.now();
  let progressAt = start;
  while (
    reached < counted &&
    performance.now() - progressAt < opts.stallMs &&
    performance.now() - start < opts.drainCapMs
  ) {
    const now = await load.awaitSeq(seq, 1000);
    if (now > reached) progressAt = performance.now();
    reached = now;
  }
  return { reached, extraMs: performance.now() - start };
}

const cpuPercent = (since: NodeJS.CpuUsage, wallMs: number) => {
  const d = process.cpuUsage(since);
  return wallMs > 0 ? ((d.user + d.system) / 1000 / wallMs) * 100 : 0;
};

/** Measures one transport under `spec`, clients reaching the server at `baseUrl`. */
export async function measureTransport(
  deps: WindowDeps,
  spec: RunSpec,
  transport: TransportName,
  baseUrl: string,
): Promise<Measured> {
  const { server, load, feed, emit } = deps;
  const opts = MEASURE_DEFAULTS;
  const where = `${spec.label}: ${transport}`;
  const warnings: string[] = [];
  const warn = (w: string) => {
    warnings.push(`${where}: ${w}`);
    emit({ type: 'note', message: `${where}: ${w}` });
  };

  // Connect.
  const rssBaselineBytes = await server.rss(true);
  const head = await server.health();
  emit({ type: 'phase', name: `${where} · connect`, total: spec.clients, unit: 'clients' });
  const readyTimeoutMs = opts.readyBaseMs + spec.clients * opts.readyPerClientMs;
  const ready = await load.start(
    {
      transport,
      clients: spec.clients,
      baseUrl,
      from: { after: head.head, epoch: head.epoch },
      pollIntervalMs: spec.pollIntervalMs,
      longPollTimeoutMs: spec.longPollTimeoutMs,
      sourceAddresses: deps.sourceAddresses,
      spreadMs: transport === 'poll' ? spec.pollIntervalMs : 0,
      batchSize: opts.batchSize,
      readyTimeoutMs,
      ...(spec.rawClients ? { client: 'raw' as const } : {}),
    },
    (n) => emit({ type: 'tick', value: n }),
  );
  if (ready < spec.clients) warn(`only ${ready} of ${spec.clients} clients connected within ${readyTimeoutMs} ms.`);

  // Warm up: a few messages through every client before the window, so the window measures
  // warm code (JIT, buffers) and not the first delivery of a fresh connection.
  emit({ type: 'phase', name: `${where} · warm up`, total: spec.clients, unit: 'clients' });
  const warm = await feed.run(Array.from({ length: opts.warmupMessages }, (_, i) => ({ atMs: i * 50, count: 1 })));
  const warmLast = warm.seqs[warm.seqs.length - 1];
  if (warmLast !== undefined) {
    const allowMs = spec.pollIntervalMs + 4 * (spec.delayMs ?? 0) + opts.catchUpMs;
    const { reached: warmed, extraMs } = await drain(load, warmLast, ready, allowMs);
    emit({ type: 'tick', value: warmed });
    if (extraMs > 1000)
      warn(`the warm-up messages took ${Math.round(extraMs / 1000)} s more than ${allowMs} ms to arrive.`);
    if (warmed < spec.clients) warn(`only ${warmed} of ${spec.clients} clients received the warm-up messages.`);
  }
  if (transport === 'long-poll') {
    const held = await until(
      async () => (await server.stats()).transports['long-poll'].held >= spec.clients,
      opts.gaugeWaitMs,
    );
    if (!held) warn('not every long-poll was held by the server when the window opened.');
  }
  await sleep(opts.settleMs);
  const rssConnectedBytes = await server.rss(true);

  // The window.
  const counted = await load.mark();
  await server.mark();
  const mainCpu = process.cpuUsage();
  const machineAtStart = readMachineTicks();
  const t0 = performance.now();
  const before = await server.stats();
  const schedule = scheduleOf(spec.plan, spec.durationMs);
  const toPublish = schedule.reduce((s, x) => s + x.count, 0);
  emit({ type: 'phase', name: `${where} · measure`, total: Math.round(spec.durationMs / 1000), unit: 's' });
  const ticker = setInterval(() => emit({ type: 'tick', value: Math.round((performance.now() - t0) / 1000) }), 250);
  let published: Awaited<ReturnType<FeedClient['run']>>;
  try {
    published = await feed.run(schedule);
    const rest = t0 + spec.durationMs - performance.now();
    if (rest > 0) await sleep(rest);
  } finally {
    clearInterval(ticker);
  }
  emit({ type: 'tick', value: Math.round(spec.durationMs / 1000) });
  if (published.failures > 0) {
    warn(`${published.failures} of ${toPublish} publishes failed (first: ${published.firstError}).`);
  }
  const last = published.seqs[published.seqs.length - 1];
  if (last !== undefined) {
    const allowMs = spec.pollIntervalMs + 4 * (spec.delayMs ?? 0) + opts.catchUpMs;
    emit({ type: 'phase', name: `${where} · catch up`, total: counted, unit: 'clients' });
    const { reached, extraMs } = await drain(load, last, counted, allowMs);
    emit({ type: 'tick', value: reached });
    if (extraMs > 1000) {
      warn(
        `the server was late: clients were still receiving ${Math.round(extraMs / 1000)} s past the ${allowMs} ms allowed after the last publish (waited while any client progressed).`,
      );
    }
    if (reached < counted) {
      warn(
        `${counted - reached} of ${counted} clients had not received the last message after ${Math.round((allowMs + extraMs) / 1000)} s, ${Math.round(MEASURE_DEFAULTS.stallMs / 1000)} s of them with no client progressing; what they missed is counted as lost.`,
      );
    }
  }
  emit({ type: 'phase', name: `${where} · collect`, total: 1, unit: '' });
  const after = await server.stats();
  const durationMs = performance.now() - t0;
  const samples = await load.collect();
  const clientCpuPercent = samples.cpuPercent + cpuPercent(mainCpu, durationMs);
  const machine = machineBusySince(machineAtStart);
  const usage = await server.usage(true);

  // Tear down before the next transport, so its baseline is clean.
  await load.stopFleet();
  const closed = await until(
    async () => (await server.stats()).transports[transport].connections === 0,
    opts.gaugeWaitMs,
  );
  if (!closed) warn('some connections were still open on the server after the clients stopped.');

  if (machine !== null) {
    const others = machine - usage.cpuPercent - clientCpuPercent;
    if (others > opts.othersBusyPercent) {
      warn(
        `other processes on this machine used about ${Math.round(others)}% of a core during the window: latencies and CPU figures are noisier than they should be.`,
      );
    }
  }
  if (samples.excluded > 0) {
    warn(
      `${samples.excluded} of ${spec.clients} clients were not ready when the window opened (the server did not answer them in time): they are left out of the delivery counts, though their attempts loaded the server.`,
    );
  }
  if (samples.errors > 0)
    warn(`the clients reported ${samples.errors} errors (e.g. ${samples.errorSamples.join(' | ')}).`);
  if (samples.resets > 0) warn(`the clients reported ${samples.resets} resets: their cursor could not be honoured.`);
  if (spec.clients >= 1000 && spec.rssPerConnection !== false) {
    const kib = (b: number) => `${((b - rssBaselineBytes) / spec.clients / 1024).toFixed(1)} KiB`;
    warnings.push(
      `${where}: server RSS per connection was ${kib(rssConnectedBytes)} with the clients connected and idle (after a GC, before the window), ${kib(usage.rssBytes)} at the end of the window (the figure the tables use: it includes what the window's traffic left the allocator holding).`,
    );
  }
  if (usage.fanout && spec.clients >= 1000) {
    const f = usage.fanout;
    warnings.push(
      `${where}: the server's own share of the fan-out (publish → end of the event-loop turn that wrote the message to every client) was p50 ${f.p50Ms.toFixed(1)} ms, p99 ${f.p99Ms.toFixed(1)} ms, max ${f.maxMs.toFixed(1)} ms over ${f.count} messages; the rest of the latency is transit and the client core.`,
    );
  }

  const aggregated = aggregateTransport({
    transport,
    clients: samples.clients,
    published: published.seqs,
    before,
    after,
    durationMs,
    server: {
      cpuPercent: usage.cpuPercent,
      rssBytes: usage.rssBytes,
      rssBaselineBytes: spec.rssPerConnection === false ? null : rssBaselineBytes,
      eventLoopDelayP99Ms: usage.eventLoopDelayP99Ms,
    },
    clientCpuPercent,
    model: {
      pollIntervalMs: spec.pollIntervalMs,
      longPollTimeoutMs: spec.longPollTimeoutMs,
      rttMs: 2 * (spec.delayMs ?? 0),
      ...spec.model,
    },
    ...(samples.messageBytes === null ? {} : { messageBytes: samples.messageBytes }),
  });
  for (const w of aggregated.warnings) {
    warnings.push(`${spec.label}: ${w}`);
    emit({ type: 'note', message: `${spec.label}: ${w}` });
  }
  return { result: aggregated.result, warnings, samples, durationMs, published: published.seqs };
}
