/**
 * The soak's measuring step: a server child (harness/server-process.ts, `--expose-gc`), and in
 * this process `clientsPerTransport` clients of each transport (client/lib, as an app would use
 * it) that stop and resume from their position at random while messages are published over
 * HTTP. At the end every client must hold every seq exactly once, in order; the server's
 * memory is sampled after a full GC all along. Returns the soak's results file (SoakResults);
 * never prints (events only).
 */
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { type ClientTransport, createTransport, publishHttp, type TransportHandlers } from '../../client/lib/index.ts';
import { DEFAULTS as SERVER_DEFAULTS } from '../../server/config.ts';
import { describeEnvironment } from '../environment.ts';
import type { HarnessListener } from '../harness/events.ts';
import { type ServerProcess, startServerProcess } from '../harness/server-process.ts';
import { RESULTS_VERSION, SOAK, type SoakResults } from '../results-schema.ts';
import {
  type MemorySample,
  SOAK_TRANSPORTS,
  type SoakParams,
  type SoakTransport,
  type SoakTransportName,
} from './schema.ts';
import { judgeSoak, warmupFor } from './verdict.ts';

/**
 * A full soak and a quick one (CI, smoke). Ten minutes is long enough for memory to be judged
 * (`MIN_JUDGED_MS`) with minutes left once the server's history has filled (`warmupFor`).
 */
export const SOAK_DEFAULTS = {
  full: { durationMs: 600_000, clientsPerTransport: 5, ratePerSec: 50 },
  quick: { durationMs: 20_000, clientsPerTransport: 2, ratePerSec: 20 },
} as const;

/** What the command line may set; the rest follows from it. */
export type SoakInput = Pick<SoakParams, 'durationMs' | 'clientsPerTransport' | 'ratePerSec'> &
  Partial<Omit<SoakParams, 'durationMs' | 'clientsPerTransport' | 'ratePerSec'>>;

/** Parameters with the derived ones filled in (warm-up from the server's history size). */
export function soakParams(input: SoakInput): SoakParams {
  return {
    bounceMinMs: 500,
    bounceMaxMs: 5000,
    pollIntervalMs: 500,
    sampleEveryMs: Math.min(15_000, Math.max(1000, Math.round(input.durationMs / 40))),
    warmupMs: warmupFor(input.durationMs, SERVER_DEFAULTS.historySize, input.ratePerSec),
    ...input,
  };
}

/** One client and what it has seen. */
interface Tally {
  name: SoakTransportName;
  transport: ClientTransport;
  handlers: TransportHandlers;
  last: number;
  received: number;
  lost: number;
  duplicated: number;
  resets: number;
  reconnects: number;
  timer?: ReturnType<typeof setTimeout>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function newTally(name: SoakTransportName, url: string, params: SoakParams): Tally {
  const transport = createTransport(name, {
    baseUrl: url,
    WebSocket,
    EventSource,
    pollIntervalMs: params.pollIntervalMs,
    backoff: { initialMs: 50, maxMs: 2000 },
  });
  const t: Tally = {
    name,
    transport,
    handlers: { messages() {}, reset() {}, error() {} },
    last: 0,
    received: 0,
    lost: 0,
    duplicated: 0,
    resets: 0,
    reconnects: 0,
  };
  t.handlers = {
    messages(batch) {
      for (const m of batch) {
        if (m.seq <= t.last) t.duplicated++;
        else {
          if (m.seq !== t.last + 1) t.lost += m.seq - t.last - 1;
          t.last = m.seq;
          t.received++;
        }
      }
    },
    reset() {
      t.resets++;
    },
    error() {},
  };
  return t;
}

/** Stops and resumes `t` from its position after a random wait, again and again until cleared. */
function bounce(t: Tally, params: SoakParams): void {
  const wait = params.bounceMinMs + Math.random() * (params.bounceMaxMs - params.bounceMinMs);
  t.timer = setTimeout(() => {
    const position = t.transport.position;
    t.transport.stop();
    t.reconnects++;
    t.transport.start(position, t.handlers);
    bounce(t, params);
  }, wait);
}

async function sample(server: ServerProcess, startedAt: number, published: number): Promise<MemorySample> {
  const m = await server.memory(true);
  return {
    atMs: Math.round(performance.now() - startedAt),
    published,
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    externalBytes: m.external,
    arrayBuffersBytes: m.arrayBuffers,
  };
}

/** Runs one soak; `listener` hears phases and ticks for the progress display. */
export async function runSoak(params: SoakParams, listener: HarnessListener = () => {}): Promise<SoakResults> {
  const startedAtDate = new Date();
  const server = await startServerProcess();
  const warnings: string[] = [];
  const tallies: Tally[] = [];
  let publishing = true;
  try {
    const { epoch } = await server.health();
    for (const name of SOAK_TRANSPORTS) {
      for (let i = 0; i < params.clientsPerTransport; i++) {
        const t = newTally(name, server.url, params);
        tallies.push(t);
        t.transport.start({ after: 0, epoch }, t.handlers);
        bounce(t, params);
      }
    }

    const startedAt = performance.now();
    let published = 0;
    let publishErrors = 0;
    // Evenly spaced publishes, catching up after a slow one, so the count is exactly rate × time.
    const publisher = (async () => {
      while (publishing) {
        const due = Math.floor(((performance.now() - startedAt) / 1000) * params.ratePerSec);
        while (published < due && publishing) {
          try {
            await publishHttp(server.url, { body: `soak ${published}`, id: `soak-${published}` });
            published++;
          } catch {
            publishErrors++;
            await sleep(50);
          }
        }
        await sleep(20);
      }
    })();

    const samples: MemorySample[] = [];
    let warm: MemorySample | undefined;
    listener({
      type: 'phase',
      name: 'warm-up (history filling)',
      total: Math.round(params.warmupMs / 1000),
      unit: 's',
    });
    let phase: 'warm-up' | 'soak' = 'warm-up';
    while (performance.now() - startedAt < params.durationMs) {
      const elapsed = performance.now() - startedAt;
      const nextWarm = phase === 'warm-up' ? params.warmupMs : Number.POSITIVE_INFINITY;
      const wait = Math.min(params.sampleEveryMs, params.durationMs - elapsed, nextWarm - elapsed);
      await sleep(Math.max(0, wait));
      const s = await sample(server, startedAt, published);
      samples.push(s);
      if (phase === 'warm-up' && s.atMs >= params.warmupMs) {
        warm = s;
        phase = 'soak';
        listener({
          type: 'phase',
          name: 'soak (clients bouncing)',
          total: Math.round((params.durationMs - params.warmupMs) / 1000),
          unit: 's',
        });
      }
      const into = phase === 'warm-up' ? s.atMs : s.atMs - params.warmupMs;
      listener({ type: 'tick', value: Math.round(into / 1000) });
    }
    publishing = false;
    await publisher;
    for (const t of tallies) clearTimeout(t.timer);

    listener({ type: 'phase', name: 'catch up', total: tallies.length, unit: 'clients' });
    const until = performance.now() + 30_000;
    const done = () => tallies.filter((t) => t.last >= published).length;
    while (done() < tallies.length && performance.now() < until) {
      listener({ type: 'tick', value: done() });
      await sleep(100);
    }
    listener({ type: 'tick', value: done() });
    if (done() < tallies.length)
      warnings.push(`${tallies.length - done()} clients had not caught up 30 s after the end`);
    const end = await sample(server, startedAt, published);
    samples.push(end);
    warm ??= samples[0] ?? end;

    const transports = Object.fromEntries(
      SOAK_TRANSPORTS.map((name) => {
        const mine = tallies.filter((t) => t.name === name);
        const sum = (f: (t: Tally) => number) => mine.reduce((a, t) => a + f(t), 0);
        const summary: SoakTransport = {
          clients: mine.length,
          delivered: sum((t) => t.received),
          expected: published * mine.length,
          lost: sum((t) => t.lost + Math.max(0, published - t.last)),
          duplicated: sum((t) => t.duplicated),
          resets: sum((t) => t.resets),
          reconnects: sum((t) => t.reconnects),
        };
        return [name, summary];
      }),
    ) as Record<SoakTransportName, SoakTransport>;
    if (publishErrors > 0) warnings.push(`${publishErrors} publishes failed and were retried`);
    const took = performance.now() - startedAt;
    return {
      version: RESULTS_VERSION,
      scenario: SOAK,
      params,
      environment: describeEnvironment(startedAtDate, Math.round(took)),
      soak: {
        published,
        publishErrors,
        transports,
        samples,
        warm,
        end,
        verdict: judgeSoak(params.durationMs, transports, warm, end),
      },
      warnings,
    };
  } finally {
    publishing = false;
    for (const t of tallies) {
      clearTimeout(t.timer);
      t.transport.stop();
    }
    await server.stop();
  }
}
