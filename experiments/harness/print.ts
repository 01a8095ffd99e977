/**
 * The console summary printed after a run: the alarms, each run's headline table and the
 * targets, from Results alone, with the report's own table builders (render/tables.ts) so the
 * terminal and the report never show different figures. Pure: returns the text.
 */
import { transportsOf } from '../derived.ts';
import { ratioTable } from '../peers/tables.ts';
import { alarms } from '../render/alarms.ts';
import { capacityTable, headlineTable, type Table, targetsTable } from '../render/tables.ts';
import type { Results } from '../results-schema.ts';

/** A table as aligned plain text. */
export function textTable(t: Table): string {
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (t.numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

/** The summary of `results`, ending with where the reports are. */
export function summary(results: Results, dir: string): string {
  const out: string[] = [];
  for (const a of alarms(results)) out.push(`!! ${a}`);
  for (const run of results.runs) {
    out.push('', `== ${results.scenario}: ${run.label}`);
    if (transportsOf(run).length > 0) out.push(textTable(headlineTable(run)));
    const cap = capacityTable(run);
    if (cap && run.capacity) out.push(textTable(cap), `poll / bare ratio: ${run.capacity.ratio.toFixed(2)}`);
    if (run.floors && run.floors.length > 0)
      out.push('-- × the bare Node floor, same N', textTable(ratioTable(run.floors)));
  }
  if (results.targets && results.targets.length > 0)
    out.push('', '== targets', textTable(targetsTable(results.targets)));
  if (results.warnings.length > 0) out.push('', `${results.warnings.length} warning(s): see the report.`);
  out.push('', `wrote ${dir}/results.json, report.md, report.html`);
  return out.join('\n');
}
