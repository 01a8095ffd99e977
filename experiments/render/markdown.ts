/**
 * results.json → report.md: the tables a reader can paste into a bug report, problems shouted at
 * the top, the conclusion in English and Chinese. Pure: the same results give the same bytes.
 */
import { transportsOf } from '../derived.ts';
import { duration } from '../format.ts';
import { ratioTable } from '../peers/tables.ts';
import type { Results } from '../results-schema.ts';
import { alarms } from './alarms.ts';
import { conclusion } from './conclusion.ts';
import { sweepAxis } from './sweep.ts';
import { modelLines, runTables, sweepTable, type Table, targetsTable } from './tables.ts';

/** The heading of a scale run's floor ratios, in both languages. */
export const FLOORS_TITLE = 'pushrace ÷ the bare Node floor at the same client count / 同等客户端数下与 Node 基线之比';

/** One cell: a pipe or a line break would split the table; `<` could open raw HTML. */
function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\r?\n/g, ' ');
}

/** Inline text outside tables: no raw HTML, no accidental formatting of labels. */
export function text(s: string): string {
  return s.replace(/([\\`*_<>[\]])/g, '\\$1').replace(/\r?\n/g, ' ');
}

/** A table as GitHub Markdown, numeric columns right-aligned, its notes under it. */
export function mdTable(t: Table): string {
  const row = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `|${t.numeric.map((isNum) => (isNum ? ' ---: ' : ' --- ')).join('|')}|`;
  const notes = (t.notes ?? []).flatMap((n) => ['', text(n)]);
  return [row(t.head), rule, ...t.rows.map(row), ...notes].join('\n');
}

/** A code span: literal text, so labels and params cannot format anything. */
function code(s: string): string {
  return `\`${s.replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;
}

function environment(r: Results): string {
  const e = r.environment;
  const params = Object.entries(r.params).map(([k, v]) => code(`${k}=${v}`));
  return [
    `- Node ${text(e.node)} on ${text(e.platform)}, ${text(e.cpuModel)} × ${e.cores} cores`,
    `- commit ${e.gitCommit === null ? 'unknown (not a git checkout)' : code(e.gitCommit)}`,
    `- started ${text(e.startedAt)}, took ${duration(e.durationMs)}`,
    `- params: ${params.length > 0 ? params.join(', ') : '(none)'}`,
  ].join('\n');
}

/** The whole Markdown report. */
export function renderMarkdown(results: Results): string {
  const out: string[] = [`# pushrace report: ${text(results.scenario)}`, ''];

  const loud = alarms(results);
  if (loud.length > 0) {
    out.push(...loud.map((a) => `> **${text(a)}**`), '');
  }

  out.push(environment(results), '');

  const c = conclusion(results);
  out.push('## Conclusion', '', ...c.map((s) => text(s.en)), '', '## 结论', '', ...c.map((s) => text(s.zh)), '');

  if (results.targets && results.targets.length > 0) {
    out.push('## Targets', '', mdTable(targetsTable(results.targets)), '');
  }

  const axis = sweepAxis(results);
  if (axis) out.push('## Sweep', '', mdTable(sweepTable(results, axis)), '');

  for (const run of results.runs) {
    out.push(`## Run: ${text(run.label)}`, '');
    for (const t of runTables(results, run)) out.push(mdTable(t), '');
    if (run.capacity) out.push(`poll / bare ratio: **${run.capacity.ratio.toFixed(2)}**`, '');
    if (run.floors && run.floors.length > 0) {
      out.push(`**${FLOORS_TITLE}**`, '', mdTable(ratioTable(run.floors)), '');
    }
  }

  const firstRun = results.runs[0];
  if (firstRun && transportsOf(firstRun).length > 0) {
    out.push('## The model', '');
    for (const [t, line] of modelLines(firstRun)) out.push(`- **${t}**: ${text(line)}`);
    out.push('');
  }

  if (results.warnings.length > 0) {
    out.push('## Warnings', '', ...results.warnings.map((w) => `- ${text(w)}`), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
