import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { peersFixture } from '../../experiments/fixtures/peers.ts';
import {
  isDisturbed,
  median,
  orderOf,
  PEERS_THRESHOLDS,
  ratioOf,
  rssRatioOf,
  type WindowReadings,
  windowFigures,
} from '../../experiments/peers/aggregate.ts';
import { costBreakdown } from '../../experiments/peers/costs.ts';
import { PEERS_DEFAULTS } from '../../experiments/peers/run.ts';
import type { PeerWindow } from '../../experiments/peers/schema.ts';
import { phaseSchedule } from '../../experiments/peers/session.ts';
import { costTable, ratioCell, ratioTable, shareCell } from '../../experiments/peers/tables.ts';
import { parseResults } from '../../experiments/results-schema.ts';

const readings = (over: Partial<WindowReadings> = {}): WindowReadings => ({
  rep: 0,
  position: 0,
  wallMs: 1000,
  ops: 500,
  serverCpuNs: [5_000_000, 15_000_000],
  latencies: [1, 2, 3, 4, 100],
  rssPerConnectionBytes: 10_240,
  clients: 100,
  requests: 100,
  lost: 0,
  duplicated: 0,
  clientsWithLoss: 0,
  errors: 0,
  clientCpuMs: 5,
  clientCoreBusyMs: 400,
  serverCoreBusyMs: 10,
  serverCoreStealMs: 0,
  ...over,
});

const windowWith = (rep: number, cpuUsPerOp: number, disturbed = false): PeerWindow => ({
  ...windowFigures(readings({ rep })),
  cpuUsPerOp,
  disturbed,
});

describe('peers aggregation', () => {
  describe('median', () => {
    it('is the middle value, the mean of the middle two, or null', () => {
      assert.equal(median([3, 1, 2]), 2);
      assert.equal(median([4, 1, 3, 2]), 2.5);
      assert.equal(median([]), null);
    });
  });

  describe('windowFigures', () => {
    it('turns schedstat ns into CPU per op and charges the rest of the core to others', () => {
      const w = windowFigures(readings({ serverCoreBusyMs: 60 }));
      assert.equal(w.serverCpuMs, 10);
      assert.equal(w.cpuUsPerOp, 20);
      assert.equal(w.othersOnServerCoreMs, 50);
      assert.equal(w.disturbed, true);
      assert.equal(w.clientCoreBusyPercent, 40);
      assert.equal(w.clientSaturated, false);
      assert.equal(w.latency?.count, 5);
    });

    it('has no CPU per op without ops, and flags a busy load core as saturated', () => {
      const w = windowFigures(readings({ ops: 0, clientCoreBusyMs: 950 }));
      assert.equal(w.cpuUsPerOp, null);
      assert.equal(w.clientSaturated, true);
    });

    it('reads unknown /proc figures as unknown, never as zero disturbance', () => {
      const w = windowFigures(readings({ serverCpuNs: [null, null], serverCoreBusyMs: null, clientCoreBusyMs: null }));
      assert.equal(w.othersOnServerCoreMs, null);
      assert.equal(w.clientCoreBusyPercent, null);
    });
  });

  describe('isDisturbed', () => {
    it('holds above the thresholds of others or steal', () => {
      const wall = 1000;
      assert.equal(isDisturbed(PEERS_THRESHOLDS.othersFraction * wall - 1, 0, wall), false);
      assert.equal(isDisturbed(PEERS_THRESHOLDS.othersFraction * wall + 1, 0, wall), true);
      assert.equal(isDisturbed(0, PEERS_THRESHOLDS.stealFraction * wall + 1, wall), true);
      assert.equal(isDisturbed(null, null, wall), false);
    });
  });

  describe('ratioOf', () => {
    const cpu = (w: PeerWindow) => w.cpuUsPerOp;

    it('pairs windows by repetition and summarizes the ratios', () => {
      const ours = [windowWith(0, 30), windowWith(1, 24), windowWith(2, 36)];
      const theirs = [windowWith(0, 20), windowWith(1, 20), windowWith(2, 20)];
      const r = ratioOf(ours, theirs, cpu);
      assert.deepEqual(r, { median: 1.5, min: 1.2, max: 1.8, pairs: 3, clean: true });
    });

    it('uses only the undisturbed pairs when there is one', () => {
      const ours = [windowWith(0, 30), windowWith(1, 60, true)];
      const theirs = [windowWith(0, 20), windowWith(1, 20)];
      assert.deepEqual(ratioOf(ours, theirs, cpu), { median: 1.5, min: 1.5, max: 1.5, pairs: 1, clean: true });
    });

    it('falls back to every pair, marked unclean, when all are disturbed; null without pairs', () => {
      const r = ratioOf([windowWith(0, 30, true)], [windowWith(0, 20)], cpu);
      assert.equal(r?.clean, false);
      assert.equal(r?.median, 1.5);
      assert.equal(ratioOf([windowWith(0, 30)], [windowWith(1, 20)], cpu), null);
      assert.equal(ratioOf([windowWith(0, 30)], [windowWith(0, 0)], cpu), null);
    });
  });

  describe('orderOf', () => {
    it('alternates A B C and C B A', () => {
      assert.deepEqual(orderOf(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
      assert.deepEqual(orderOf(['a', 'b', 'c'], 1), ['c', 'b', 'a']);
      assert.deepEqual(orderOf(['a', 'b', 'c'], 2), ['a', 'b', 'c']);
    });
  });

  describe('phaseSchedule', () => {
    it('paces messages evenly and publishes bursts whole', () => {
      const p = { ...PEERS_DEFAULTS.quick, pacedRatePerSec: 10, pacedMs: 500, burstSize: 7, bursts: 3 };
      assert.deepEqual(phaseSchedule('paced', p), [
        [0, 1],
        [100, 1],
        [200, 1],
        [300, 1],
        [400, 1],
      ]);
      assert.deepEqual(phaseSchedule('burst', p), [
        [0, 7],
        [0, 7],
        [0, 7],
      ]);
      assert.deepEqual(phaseSchedule('requests', { ...p, pollRatePerSec: 0 }), []);
    });
  });
});

describe('peers report tables', () => {
  it('shows a ratio as median (range), starred when disturbed pairs were all there was', () => {
    assert.equal(ratioCell({ median: 1.234, min: 1.1, max: 1.3, pairs: 2, clean: true }), '1.23× (1.10–1.30)');
    assert.equal(ratioCell({ median: 2, min: 2, max: 2, pairs: 1, clean: false }), '2.00×*');
    assert.equal(ratioCell(null), '–');
  });

  it('lists pushrace against every peer of every comparison, from a file the schema accepts', () => {
    const r = peersFixture();
    const parsed = parseResults(JSON.parse(JSON.stringify(r)));
    assert.equal(parsed.scenario, 'peers');
    const peers = r.peers.comparisons.reduce((n, c) => n + c.servers.length - 1, 0);
    assert.equal(ratioTable(r.peers.comparisons).rows.length, peers);
    assert.ok(r.peers.disturbedWindows > 0, 'the fixture has a disturbed window');
  });
});

describe('RSS ratios', () => {
  const rssWindow = (rep: number, rss: number): PeerWindow => ({ ...windowWith(rep, 10), rssPerConnectionBytes: rss });

  it('are per repetition pair when both sides rose in every repetition', () => {
    const r = rssRatioOf([rssWindow(0, 2000), rssWindow(1, 3000)], [rssWindow(0, 1000), rssWindow(1, 1000)]);
    assert.equal(r?.median, 2.5);
  });

  it('are none when a side did not rise in some repetition (its cost is within the noise)', () => {
    assert.equal(rssRatioOf([rssWindow(0, 2000), rssWindow(1, 3000)], [rssWindow(0, 1000), rssWindow(1, -500)]), null);
    assert.equal(rssRatioOf([rssWindow(0, 0), rssWindow(1, 3000)], [rssWindow(0, 1000), rssWindow(1, 1000)]), null);
  });
});

describe('peers cost breakdown (the meter ablation)', () => {
  const r = peersFixture();
  const wsPaced = r.peers.comparisons.find((c) => c.transport === 'ws' && c.phase === 'paced');

  it("gives the meter's share per repetition pair and its part of the gap to the floor", () => {
    assert.ok(wsPaced);
    const b = costBreakdown(wsPaced);
    assert.ok(b?.meterCpuShare && b.cpu && b.unmeteredCpu);
    // pushrace 26 and 27 µs, without its meter 23 and 24: shares 3/26 and 3/27, both pairs clean.
    assert.ok(Math.abs(b.meterCpuShare.min - 3 / 27) < 1e-9);
    assert.ok(Math.abs(b.meterCpuShare.max - 3 / 26) < 1e-9);
    assert.equal(b.meterCpuShare.pairs, 2);
    // Against the floor only rep 1 is clean (the floor's rep 2 was disturbed): 26/19 and 23/19.
    assert.ok(Math.abs(b.cpu.median - 26 / 19) < 1e-9);
    assert.ok(Math.abs(b.unmeteredCpu.median - 23 / 19) < 1e-9);
    // Medians 26.5, 23.5 and 19.5: the meter is 3 of the 7 µs above the floor.
    assert.ok(Math.abs((b.meterCpuOfGap ?? 0) - 3 / 7) < 1e-9);
  });

  it('has nothing to say of a comparison that ran without the ablation', () => {
    assert.ok(wsPaced);
    assert.equal(costBreakdown({ ...wsPaced, servers: wsPaced.servers.slice(0, 2) }), null);
  });

  it('tabulates every comparison that ran the ablation, shares as whole percents', () => {
    assert.equal(costTable(r.peers.comparisons).rows.length, r.peers.comparisons.length);
    assert.equal(shareCell({ median: 0.113, min: 0.111, max: 0.115, pairs: 2, clean: true }), '11 % (11–12 %)');
    assert.equal(shareCell({ median: -0.001, min: -0.001, max: -0.001, pairs: 1, clean: false }), '0 %*');
    assert.equal(shareCell(null), '–');
  });
});
