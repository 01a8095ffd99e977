/**
 * The performance targets pushrace is judged by, checked against a run's own numbers. A target
 * is checked only where the run exercised it (10 000 clients, an offered load high enough, a
 * capacity run): a steady run with 10 clients says nothing about 10 000, and must not "meet"
 * that target.
 */
import type { TransportName } from '../protocol/wire.ts';
import { bytes, int, num } from './format.ts';
import type { Results, Run, TargetCheck, TransportResult } from './results-schema.ts';

/** The targets, in one place, so the checks, the capacity scenario and the report state the same numbers. */
export const TARGETS = {
  /** 10 000 WebSocket clients with 1 msg/s fan-out: delivery p99 under this. */
  wsFanoutP99Ms: 50,
  /** 10 000 held long-polls released by one publish: p99 (re-request included) under this. */
  longPollReleaseP99Ms: 300,
  /** The client count both latency targets are stated for. */
  fanoutClients: 10_000,
  /** Server RSS per idle WebSocket connection and per held long-poll, at most. */
  rssPerConnectionBytes: 20 * 1024,
  /** Fewer connections than this make RSS per connection noise (GC, allocator slack). */
  rssMinClients: 1000,
  /** WebSocket deliveries per second, at least, when the offered load reaches it. */
  wsDeliveriesPerSec: 100_000,
  /** The poll route's req/s as a share of a bare Koa route's in the same run, at least. */
  pollVsBareRatio: 0.85,
};

interface Found {
  run: Run;
  result: TransportResult;
}

function resultsOf(results: Results, t: TransportName): Found[] {
  return results.runs.flatMap((run) => {
    const result = run.transports[t];
    return result ? [{ run, result }] : [];
  });
}

function largest(found: Found[]): Found | undefined {
  return found.reduce<Found | undefined>(
    (best, f) => (!best || f.result.clients > best.result.clients ? f : best),
    undefined,
  );
}

const rateNote = (r: TransportResult) => `${num(r.model.inputs.ratePerSec)} msg/s`;

function fanout(results: Results, t: 'ws' | 'long-poll', limitMs: number, name: string): TargetCheck[] {
  const f = largest(resultsOf(results, t).filter((x) => x.result.clients >= TARGETS.fanoutClients && x.result.latency));
  const p99 = f?.result.latency?.p99;
  if (!f || p99 === undefined) return [];
  return [
    {
      name,
      target: `p99 < ${limitMs} ms`,
      measured: p99,
      unit: 'ms',
      met: p99 < limitMs,
      note: `run "${f.run.label}": ${int(f.result.clients)} ${t} clients at ${rateNote(f.result)}`,
    },
  ];
}

function rssPerConnection(results: Results, t: 'ws' | 'long-poll', name: string): TargetCheck[] {
  const f = largest(
    resultsOf(results, t).filter(
      (x) => x.result.clients >= TARGETS.rssMinClients && x.result.server.rssBaselineBytes !== null,
    ),
  );
  if (!f || f.result.server.rssBaselineBytes === null) return [];
  const per = (f.result.server.rssBytes - f.result.server.rssBaselineBytes) / f.result.clients;
  return [
    {
      name,
      target: `≤ ${bytes(TARGETS.rssPerConnectionBytes)} server RSS per connection`,
      measured: per,
      unit: 'bytes',
      met: per <= TARGETS.rssPerConnectionBytes,
      note: `run "${f.run.label}": (RSS ${bytes(f.result.server.rssBytes)} − baseline ${bytes(f.result.server.rssBaselineBytes)}) / ${int(f.result.clients)} connections`,
    },
  ];
}

function wsThroughput(results: Results): TargetCheck[] {
  const perSec = (n: number, r: TransportResult) => (r.durationMs > 0 ? (n * 1000) / r.durationMs : 0);
  const offered = resultsOf(results, 'ws').filter(
    (x) => perSec(x.result.expected, x.result) >= TARGETS.wsDeliveriesPerSec,
  );
  const best = offered.reduce<Found | undefined>(
    (b, f) => (!b || perSec(f.result.delivered, f.result) > perSec(b.result.delivered, b.result) ? f : b),
    undefined,
  );
  if (!best) return [];
  const measured = perSec(best.result.delivered, best.result);
  return [
    {
      name: 'WebSocket deliveries per second',
      target: `≥ ${int(TARGETS.wsDeliveriesPerSec)} deliveries/s`,
      measured,
      unit: 'deliveries/s',
      met: measured >= TARGETS.wsDeliveriesPerSec,
      note: `run "${best.run.label}": ${int(best.result.delivered)} deliveries in ${num(best.result.durationMs / 1000)} s to ${int(best.result.clients)} clients`,
    },
  ];
}

function capacity(results: Results): TargetCheck[] {
  return results.runs.flatMap((run) => {
    const c = run.capacity;
    if (!c) return [];
    return [
      {
        name: 'poll route vs bare Koa',
        target: `≥ ${TARGETS.pollVsBareRatio} × bare Koa req/s`,
        measured: c.ratio,
        unit: '×',
        met: c.ratio >= TARGETS.pollVsBareRatio,
        note: `run "${run.label}": poll ${int(c.poll.requestsPerSec)} req/s, bare ${int(c.bare.requestsPerSec)} req/s`,
      },
    ];
  });
}

/**
 * Every target the results exercised, with the measured value and whether it was met. The
 * harness stores the answer in `Results.targets`; the reports say plainly which were missed.
 */
export function checkTargets(results: Results): TargetCheck[] {
  return [
    ...fanout(results, 'ws', TARGETS.wsFanoutP99Ms, `WebSocket fan-out p99 at ${int(TARGETS.fanoutClients)} clients`),
    ...fanout(
      results,
      'long-poll',
      TARGETS.longPollReleaseP99Ms,
      `long-poll release p99 at ${int(TARGETS.fanoutClients)} held requests`,
    ),
    ...rssPerConnection(results, 'ws', 'server RSS per WebSocket connection'),
    ...rssPerConnection(results, 'long-poll', 'server RSS per held long-poll'),
    ...wsThroughput(results),
    ...capacity(results),
  ];
}
