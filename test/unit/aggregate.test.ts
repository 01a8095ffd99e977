import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  aggregateTransport,
  checkTargets,
  countDeliveries,
  StatsDeltaError,
  statsDelta,
  type TransportInput,
} from '../../experiments/aggregate.ts';
import { steadyFixture } from '../../experiments/fixtures/scenarios.ts';
import { compactCdf, summarizeLatency } from '../../experiments/latency.ts';
import type { Results, TransportResult } from '../../experiments/results-schema.ts';
import { type StatsResponse, TRANSPORT_NAMES, type TransportName, type TransportStats } from '../../protocol/wire.ts';

const within = (actual: number, expected: number, relative = 0.001) =>
  assert.ok(
    Math.abs(actual - expected) <= Math.abs(expected) * relative + 1e-9,
    `${actual} is not within ${relative * 100}% of ${expected}`,
  );

function stats(patch: Partial<Record<TransportName, Partial<TransportStats>>> = {}, epoch = 'E1'): StatsResponse {
  const base = (): TransportStats => ({
    connections: 0,
    held: 0,
    requests: 0,
    emptyResponses: 0,
    timeouts: 0,
    delivered: 0,
    bytesIn: { header: 0, payload: 0 },
    bytesOut: { header: 0, payload: 0 },
  });
  const transports = Object.fromEntries(TRANSPORT_NAMES.map((t) => [t, { ...base(), ...patch[t] }])) as Record<
    TransportName,
    TransportStats
  >;
  return {
    epoch,
    head: 0,
    since: 1000,
    transports,
    endpoints: {},
    other: { requests: 0, bytesIn: { header: 0, payload: 0 }, bytesOut: { header: 0, payload: 0 } },
  };
}

const seqs = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function input(over: Partial<TransportInput> = {}): TransportInput {
  const published = seqs(10);
  return {
    transport: 'poll',
    clients: [{ received: published, latenciesMs: published.map((s) => s * 10), requests: 20 }],
    published,
    before: stats({
      poll: {
        requests: 5,
        delivered: 3,
        bytesIn: { header: 600, payload: 0 },
        bytesOut: { header: 800, payload: 400 },
      },
    }),
    after: stats({
      poll: {
        requests: 25,
        emptyResponses: 10,
        delivered: 13,
        bytesIn: { header: 600 + 20 * 120, payload: 0 },
        bytesOut: { header: 800 + 20 * 160, payload: 400 + 10 * 80 + 20 * 46 },
      },
    }),
    durationMs: 10_000,
    server: { cpuPercent: 10, rssBytes: 100e6, rssBaselineBytes: null, eventLoopDelayP99Ms: 1 },
    clientCpuPercent: 20,
    model: { pollIntervalMs: 500 },
    messageBytes: 80,
    ...over,
  };
}

describe('latency', () => {
  describe('#summarizeLatency', () => {
    it('gives the order statistics of 1…100 ms within 0.1%, mean and max exact', () => {
      const s = summarizeLatency(seqs(100));
      assert.ok(s);
      within(s.p50, 50);
      within(s.p90, 90);
      within(s.p99, 99);
      assert.equal(s.p99_9, 100);
      assert.equal(s.max, 100);
      assert.equal(s.mean, 50.5);
      assert.equal(s.count, 100);
    });

    it('keeps sub-millisecond precision (recorded in µs)', () => {
      const s = summarizeLatency(Float64Array.from(seqs(10), (i) => i / 10));
      assert.ok(s);
      within(s.p50, 0.5);
      within(s.p90, 0.9);
      assert.equal(s.max, 1);
    });

    it('is null without samples: no latency is not 0 ms', () => {
      assert.equal(summarizeLatency([]), null);
    });

    it('every percentile is within 0.1% (+1 µs) of the exact order statistic and ≤ max', () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: 0, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
          (xs) => {
            const s = summarizeLatency(xs);
            if (!s) return false;
            const sorted = [...xs].sort((a, b) => a - b);
            const exact = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)] ?? Number.NaN;
            return (
              [
                [s.p50, 50],
                [s.p90, 90],
                [s.p99, 99],
                [s.p99_9, 99.9],
              ] as const
            ).every(([v, p]) => Math.abs(v - exact(p)) <= exact(p) * 0.001 + 0.001 && v <= s.max);
          },
        ),
      );
    });
  });

  describe('#compactCdf', () => {
    it('keeps every sample when there are few', () => {
      assert.deepEqual(compactCdf([3, 1, 2, 2]), [
        [1, 0.25],
        [2, 0.75],
        [3, 1],
      ]);
    });

    it('keeps ≤ 200 ascending points for many samples, the tail included, ending at [max, 1]', () => {
      const xs = Float64Array.from({ length: 100_000 }, (_, i) => (i + 1) / 100);
      const cdf = compactCdf(xs);
      assert.ok(cdf.length <= 200 && cdf.length > 150, `${cdf.length} points`);
      assert.deepEqual(cdf[cdf.length - 1], [1000, 1]);
      for (let i = 1; i < cdf.length; i++) {
        const [x0, f0] = cdf[i - 1] ?? [0, 0];
        const [x1, f1] = cdf[i] ?? [0, 0];
        assert.ok(x1 > x0 && f1 > f0);
      }
      assert.ok(cdf.some(([x, f]) => f === 0.999 && x === 999));
    });
  });
});

describe('aggregate', () => {
  describe('#countDeliveries', () => {
    it('counts a clean delivery to every client', () => {
      const c = countDeliveries(seqs(5), [
        { received: seqs(5), latenciesMs: [1, 1, 1, 1, 1], requests: 0 },
        { received: seqs(5), latenciesMs: [2, 2, 2, 2, 2], requests: 0 },
      ]);
      assert.deepEqual(
        { ...c, latenciesMs: [...c.latenciesMs] },
        {
          delivered: 10,
          expected: 10,
          lost: 0,
          duplicated: 0,
          outOfOrder: 0,
          unexpected: 0,
          negative: 0,
          latenciesMs: [1, 1, 1, 1, 1, 2, 2, 2, 2, 2],
        },
      );
    });

    it('counts lost, duplicated and out-of-order receptions exactly, per client', () => {
      const c = countDeliveries(seqs(5), [
        { received: [1, 2, 4, 5], latenciesMs: [1, 1, 1, 1], requests: 0 },
        { received: [1, 2, 2, 3, 4, 5], latenciesMs: [1, 1, 99, 1, 1, 1], requests: 0 },
        { received: [1, 3, 2, 4, 5], latenciesMs: [1, 1, 1, 1, 1], requests: 0 },
        { received: [1, 2, 3, 4, 5, 1], latenciesMs: [1, 1, 1, 1, 1, 99], requests: 0 },
      ]);
      assert.equal(c.lost, 1);
      assert.equal(c.duplicated, 2);
      assert.equal(c.outOfOrder, 1);
      assert.equal(c.delivered, 4 + 5 + 5 + 5);
      assert.equal(c.expected, 20);
      // Only first receptions give a latency: the duplicates' 99 ms are not samples.
      assert.equal(c.latenciesMs.length, c.delivered);
      assert.ok(c.latenciesMs.every((x) => x === 1));
    });

    it('sets aside seqs that were not published, and clamps negative latencies to 0', () => {
      const c = countDeliveries([1, 2], [{ received: [7, 1, 2], latenciesMs: [1, -0.2, 3], requests: 0 }]);
      assert.equal(c.unexpected, 1);
      assert.equal(c.negative, 1);
      assert.deepEqual([...c.latenciesMs], [0, 3]);
    });

    it('refuses latencies not aligned with receptions', () => {
      assert.throws(() => countDeliveries([1], [{ received: [1], latenciesMs: [], requests: 0 }]), /aligned/);
    });
  });

  describe('#statsDelta', () => {
    it('refuses snapshots across a restart, a clear, or a counter going backwards', () => {
      assert.throws(() => statsDelta('poll', stats({}, 'E1'), stats({}, 'E2')), StatsDeltaError);
      const cleared = stats();
      cleared.since = 2000;
      assert.throws(() => statsDelta('poll', stats(), cleared), /cleared/);
      assert.throws(
        () => statsDelta('ws', stats({ ws: { delivered: 5 } }), stats({ ws: { delivered: 4 } })),
        /backwards/,
      );
    });
  });

  describe('#aggregateTransport', () => {
    it('computes requests and bytes per delivered message from two stats snapshots', () => {
      const { result, warnings } = aggregateTransport(input());
      assert.equal(result.delivered, 10);
      assert.equal(result.requests, 20);
      assert.equal(result.clientRequests, 20);
      assert.equal(result.requestsPerDelivered, 2);
      assert.equal(result.emptyResponses, 10);
      assert.equal(result.emptyRatio, 0.5);
      assert.deepEqual(result.bytes.in, { header: 2400, payload: 0 });
      assert.deepEqual(result.bytes.out, { header: 3200, payload: 800 + 920 });
      assert.deepEqual(result.bytes.perDelivered, { header: 320, payload: 172 });
      assert.equal(result.latency?.count, 10);
      assert.equal(result.latency?.max, 100);
      assert.deepEqual(warnings, []);
    });

    it('puts the model beside it: measured publish rate, measured heads', () => {
      const { result } = aggregateTransport(input());
      assert.equal(result.model.inputs.ratePerSec, 1);
      assert.equal(result.model.inputs.pollIntervalMs, 500);
      assert.equal(result.model.requestsPerDelivered, 2);
      // 2 requests per message × the measured 160-byte response head.
      assert.equal(result.model.bytesPerDelivered?.out.header, 320);
      assert.equal(result.model.latency.p50, 250 + 0.5);
    });

    it('reports nothing per delivered message when nothing was delivered', () => {
      const { result } = aggregateTransport(
        input({ published: [], clients: [{ received: [], latenciesMs: [], requests: 20 }] }),
      );
      assert.equal(result.latency, null);
      assert.deepEqual(result.cdf, []);
      assert.equal(result.requestsPerDelivered, null);
      assert.deepEqual(result.bytes.perDelivered, { header: null, payload: null });
      assert.equal(result.model.requestsPerDelivered, null);
    });

    it('shouts about lost and duplicated messages, saturated clients and counters that disagree', () => {
      const published = seqs(10);
      const { result, warnings } = aggregateTransport(
        input({
          clients: [{ received: [...published.slice(1), 5], latenciesMs: published.map(() => 1), requests: 3 }],
          clientCpuPercent: 97,
        }),
      );
      assert.equal(result.lost, 1);
      assert.equal(result.duplicated, 1);
      assert.equal(result.client.saturated, true);
      assert.match(warnings[0] ?? '', /^BUG: poll lost 1 of 10/);
      assert.match(warnings[1] ?? '', /^BUG: poll delivered 1 duplicates/);
      assert.ok(warnings.some((w) => /97% of a core/.test(w)));
      assert.ok(warnings.some((w) => /server counted 20 requests, the clients 3/.test(w)));
    });
  });
});

describe('#checkTargets', () => {
  function withWs(patch: Partial<TransportResult>): Results {
    const results = steadyFixture();
    const run = results.runs[0];
    const ws = run?.transports.ws;
    if (!run || !ws) throw new Error('fixture without ws');
    run.transports = { ws: { ...ws, ...patch } };
    return results;
  }
  const latency = (p99: number) => ({ p50: 1, p90: 2, p99, p99_9: p99, max: p99, mean: 1, count: 1 });

  it('checks ws fan-out p99 only with 10 000 clients, met or missed', () => {
    assert.deepEqual(checkTargets(withWs({ clients: 100, latency: latency(60) })), []);
    const missed = checkTargets(withWs({ clients: 10_000, latency: latency(60) }));
    assert.equal(missed.length, 1);
    assert.equal(missed[0]?.met, false);
    assert.equal(missed[0]?.measured, 60);
    assert.equal(checkTargets(withWs({ clients: 10_000, latency: latency(40) }))[0]?.met, true);
  });

  it('checks RSS per connection against the baseline', () => {
    const server = { cpuPercent: 1, eventLoopDelayP99Ms: 1, rssBaselineBytes: 50e6, rssBytes: 50e6 + 2000 * 25 * 1024 };
    const checks = checkTargets(withWs({ clients: 2000, server }));
    const rss = checks.find((c) => c.name.includes('RSS'));
    assert.equal(rss?.measured, 25 * 1024);
    assert.equal(rss?.met, false);
  });

  it('checks WebSocket throughput only when the offered load reaches 100 000/s', () => {
    assert.deepEqual(checkTargets(withWs({ expected: 1000, delivered: 1000, durationMs: 1000 })), []);
    const t = checkTargets(withWs({ expected: 200_000, delivered: 150_000, durationMs: 1000 }));
    assert.equal(t[0]?.measured, 150_000);
    assert.equal(t[0]?.met, true);
  });

  it('checks the poll route against bare Koa in a capacity run', () => {
    const results = steadyFixture();
    const load = (requestsPerSec: number) => ({
      path: '/x',
      connections: 10,
      pipelining: 1,
      durationMs: 1000,
      requests: requestsPerSec,
      requestsPerSec,
      latencyP50Ms: 1,
      latencyP99Ms: 2,
      errors: 0,
      non2xx: 0,
    });
    results.runs = [
      { label: 'cap', point: {}, transports: {}, capacity: { poll: load(80), bare: load(100), ratio: 0.8 } },
    ];
    const [check] = checkTargets(results);
    assert.equal(check?.met, false);
    assert.equal(check?.measured, 0.8);
  });
});
