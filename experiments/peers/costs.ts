/**
 * Where pushrace's cost above the floor goes, measured rather than read off a profile: the
 * ablation server (pushrace without its byte meter, `UNMETERED`) ran in the same interleaved
 * repetitions as pushrace and the floor, so per repetition pair the meter's share of pushrace's
 * CPU per operation is 1 − unmetered ÷ pushrace, and what is left of the gap once the meter is
 * gone is unmetered ÷ floor. Pure: figures from a comparison's windows.
 */
import { PICKS, ratioOf, rssRatioOf } from './aggregate.ts';
import { UNMETERED } from './cases.ts';
import type { Comparison, RatioStat } from './schema.ts';

/** One comparison's breakdown; null figures where a window lacked them. */
export interface CostBreakdown {
  transport: Comparison['transport'];
  phase: Comparison['phase'];
  /** The floor's label (the comparison's second server). */
  floor: string;
  /** pushrace ÷ floor, CPU per operation and RSS per connection. */
  cpu: RatioStat | null;
  rss: RatioStat | null;
  /** pushrace without its meter ÷ floor. */
  unmeteredCpu: RatioStat | null;
  unmeteredRss: RatioStat | null;
  /** The meter's share of pushrace's own figure: 1 − unmetered ÷ pushrace (min and max swap). */
  meterCpuShare: RatioStat | null;
  meterRssShare: RatioStat | null;
  /** The meter's part of pushrace's excess over the floor, from the medians; null without excess. */
  meterCpuOfGap: number | null;
  meterRssOfGap: number | null;
}

/** `1 − r` of a ratio: a share, its range turned round. */
function shareOf(r: RatioStat | null): RatioStat | null {
  return r && { ...r, median: 1 - r.median, min: 1 - r.max, max: 1 - r.min };
}

/** (pushrace − unmetered) ÷ (pushrace − floor), of medians; null unless pushrace costs more than a floor above 0. */
function ofGap(ours: number | null, unmetered: number | null, floor: number | null): number | null {
  if (ours === null || unmetered === null || floor === null || floor <= 0 || ours <= floor) return null;
  return (ours - unmetered) / (ours - floor);
}

/** The breakdown of a comparison that ran the ablation; null for one that did not. */
export function costBreakdown(c: Comparison): CostBreakdown | null {
  const [ours, floor] = c.servers;
  const unmetered = c.servers.find((s) => s.server === UNMETERED);
  if (!ours || !floor || !unmetered || floor === unmetered) return null;
  return {
    transport: c.transport,
    phase: c.phase,
    floor: floor.label,
    cpu: ratioOf(ours.windows, floor.windows, PICKS.cpu),
    rss: rssRatioOf(ours.windows, floor.windows),
    unmeteredCpu: ratioOf(unmetered.windows, floor.windows, PICKS.cpu),
    unmeteredRss: rssRatioOf(unmetered.windows, floor.windows),
    meterCpuShare: shareOf(ratioOf(unmetered.windows, ours.windows, PICKS.cpu)),
    meterRssShare: shareOf(rssRatioOf(unmetered.windows, ours.windows)),
    meterCpuOfGap: ofGap(ours.median.cpuUsPerOp, unmetered.median.cpuUsPerOp, floor.median.cpuUsPerOp),
    meterRssOfGap: ofGap(
      ours.median.rssPerConnectionBytes,
      unmetered.median.rssPerConnectionBytes,
      floor.median.rssPerConnectionBytes,
    ),
  };
}
