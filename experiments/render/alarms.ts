/**
 * The things a reader must see before any number: lost, duplicated or reordered messages (a
 * bug, not a statistic) and saturated client cores (latencies not trustworthy). Computed from
 * the data itself, so a harness that forgot a warning cannot hide one.
 */
import { transportsOf } from '../derived.ts';
import type { Results } from '../results-schema.ts';

/** One loud line per problem, in run order. */
export function alarms(results: Results): string[] {
  const out: string[] = [];
  for (const run of results.runs) {
    for (const [t, r] of transportsOf(run)) {
      const where = `run "${run.label}", ${t}`;
      if (r.lost > 0)
        out.push(`LOST MESSAGES (${where}): ${r.lost} of ${r.expected} never arrived. This is a bug, not a statistic.`);
      if (r.duplicated > 0)
        out.push(`DUPLICATED MESSAGES (${where}): ${r.duplicated}. This is a bug, not a statistic.`);
      if (r.outOfOrder > 0)
        out.push(`OUT OF ORDER (${where}): ${r.outOfOrder} messages arrived after a later one. This is a bug.`);
      if (r.client.saturated) {
        out.push(
          `SATURATED CLIENT (${where}): the client process used ${Math.round(r.client.cpuPercent)}% of a core; these latencies are not trustworthy.`,
        );
      }
    }
  }
  return out;
}
