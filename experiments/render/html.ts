/**
 * results.json → report.html: one self-contained file that opens from the file system with no
 * network. Chart.js is inlined (passed in as text, so this stays a pure function), the data is
 * embedded as JSON, and a Content-Security-Policy of `default-src 'none'` makes any stray
 * network reference fail loudly instead of quietly phoning out.
 */
import { transportsOf } from '../derived.ts';
import { duration } from '../format.ts';
import { ratioTable } from '../peers/tables.ts';
import type { Results } from '../results-schema.ts';
import { alarms } from './alarms.ts';
import type { ChartSpec } from './chart-spec.ts';
import { buildCharts } from './charts.ts';
import { conclusion } from './conclusion.ts';
import { FLOORS_TITLE } from './markdown.ts';
import { sweepAxis } from './sweep.ts';
import { modelLines, runTables, sweepTable, type Table, targetsTable } from './tables.ts';

/** What the page needs besides the results. */
export interface HtmlOptions {
  /** The Chart.js UMD bundle (`chart.js/dist/chart.umd.min.js`) as text. */
  chartJs: string;
}

/** Everything a page must not fetch: only inline script and style, images as data: URLs. */
const CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; color: #1a1a1a; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8rem 0 0.4rem; font-size: 0.85rem; display: block; max-width: 100%; overflow-x: auto; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.45rem; }
th { background: #f3f3f3; vertical-align: bottom; text-align: left; font-weight: 600; min-width: 4.5em; }
td { white-space: nowrap; } td.text { white-space: normal; min-width: 12em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
p.note { color: #555; font-size: 0.8rem; margin: 0 0 1rem; max-width: 60rem; }
.alarms { background: #fde8e8; border: 2px solid #c81e1e; padding: 0.5rem 1rem; margin: 1rem 0; }
.alarms p { font-weight: 700; color: #9b1c1c; margin: 0.3rem 0; }
.missed { color: #c81e1e; font-weight: 700; } .met { color: #046c4e; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(520px, 100%), 1fr)); gap: 1rem; }
@media (max-width: 900px) { body { padding: 0.8rem; } table { font-size: 0.78rem; } }
figure { margin: 0; } .canvas-box { position: relative; height: 340px; }
.env { color: #555; font-size: 0.9rem; }
`;

/** Text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON safe inside `<script type="application/json">`: every `<` becomes `\u003c`, so no
 * string in the data (a label, a warning, a message body) can close the element or open a
 * comment. JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * The bundle as inline script text. Refuses one that could end the element early; drops the
 * source-map comment (a reference to a file the report does not carry).
 */
function inlineScript(js: string): string {
  if (/<\/script|<!--/i.test(js))
    throw new Error('chart.js bundle contains "</script" or "<!--" and cannot be inlined');
  return js.replace(/^\s*\/\/[#@] sourceMappingURL=.*$/gm, '');
}

/** A table as HTML, numeric cells right-aligned, met/MISSED coloured. */
export function htmlTable(t: Table): string {
  const head = t.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = t.rows
    .map((r) => {
      const cells = r.map((c, i) => {
        // Text beyond the first column (notes, descriptions) wraps; numbers and names do not.
        const kind = t.numeric[i] ? 'num' : i > 0 && c.length > 24 ? 'text' : '';
        const cls = [kind, c === 'MISSED' ? 'missed' : c === 'met' ? 'met' : ''].filter(Boolean);
        return `<td${cls.length > 0 ? ` class="${cls.join(' ')}"` : ''}>${escapeHtml(c)}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const notes = (t.notes ?? []).map((n) => `\n<p class="note">${escapeHtml(n)}</p>`).join('');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows}\n</tbody>\n</table>${notes}`;
}

/** What the page shell needs of a chart: a canvas id, a title for it, and the config to draw. */
export type PageChart = Pick<ChartSpec, 'id' | 'title' | 'config' | 'legendGroups'>;

/** The canvases of `charts`, in a responsive grid. */
export function figures(charts: readonly PageChart[]): string {
  if (charts.length === 0) return '';
  const figs = charts.map(
    (c) =>
      `<figure><div class="canvas-box"><canvas id="${escapeHtml(c.id)}" role="img" aria-label="${escapeHtml(c.title)}"></canvas></div></figure>`,
  );
  return `<div class="charts">\n${figs.join('\n')}\n</div>`;
}

function environment(r: Results): string {
  const e = r.environment;
  const params = Object.entries(r.params).map(([k, v]) => `${k}=${v}`);
  const items = [
    `Node ${e.node} on ${e.platform}, ${e.cpuModel} × ${e.cores} cores`,
    `commit ${e.gitCommit ?? 'unknown (not a git checkout)'}`,
    `started ${e.startedAt}, took ${duration(e.durationMs)}`,
    `params: ${params.length > 0 ? params.join(', ') : '(none)'}`,
  ];
  return `<ul class="env">${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
}

/**
 * Runs every chart once Chart.js (inlined just before) is defined. What JSON cannot carry is
 * added here, the same for every chart: log-axis ticks only at 1, 2 and 5 × 10^n (written
 * 1, 20, 1,000 rather than 1.0, 20.0, 1,000.0; fewer ticks, so skipping spares the labels), and a legend of one entry per group of
 * datasets (`legendGroups`: a transport's measured line, model and marker), toggling the group.
 */
const BOOT = `(function () {
  var data = JSON.parse(document.getElementById('pushrace-data').textContent);
  if (typeof Chart !== 'function') throw new Error('pushrace report: Chart.js did not load');
  function logLabel(v) {
    if (!(v > 0)) return '';
    var m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    var r = Math.round(m);
    return Math.abs(m - r) < 1e-6 && (r === 1 || r === 2 || r === 5) ? Number(v.toPrecision(3)).toLocaleString('en') : '';
  }
  function grouped(options, groups) {
    var lead = {};
    groups.forEach(function (g) { lead[g[0]] = g; });
    var legend = (options.plugins = options.plugins || {}).legend = options.plugins.legend || {};
    legend.labels = legend.labels || {};
    legend.labels.filter = function (item) { return Object.prototype.hasOwnProperty.call(lead, item.datasetIndex); };
    legend.onClick = function (e, item, l) {
      var chart = l.chart, g = lead[item.datasetIndex], show = !chart.isDatasetVisible(g[0]);
      g.forEach(function (i) { chart.setDatasetVisibility(i, show); });
      chart.update();
    };
  }
  data.charts.forEach(function (c) {
    var canvas = document.getElementById(c.id);
    if (!canvas) throw new Error('pushrace report: no canvas ' + c.id);
    var scales = (c.config.options && c.config.options.scales) || {};
    Object.keys(scales).forEach(function (k) {
      if (scales[k].type !== 'logarithmic') return;
      (scales[k].ticks = scales[k].ticks || {}).callback = logLabel;
      scales[k].afterBuildTicks = function (axis) {
        axis.ticks = axis.ticks.filter(function (t) { return logLabel(t.value) !== ''; });
      };
    });
    if (c.legendGroups) grouped(c.config.options, c.legendGroups);
    new Chart(canvas, c.config);
  });
  document.body.setAttribute('data-charts-ready', String(data.charts.length));
})();`;

/** The whole page. */
export function renderHtml(results: Results, options: HtmlOptions): string {
  const charts = buildCharts(results);
  const loud = alarms(results);
  const sentences = conclusion(results);
  const axis = sweepAxis(results);
  const title = `pushrace report: ${results.scenario}`;
  const body: string[] = [`<h1>${escapeHtml(title)}</h1>`, environment(results)];

  if (loud.length > 0) {
    body.push(
      `<section class="alarms" role="alert">${loud.map((a) => `<p>${escapeHtml(a)}</p>`).join('\n')}</section>`,
    );
  }
  body.push(
    `<section id="conclusion"><h2>Conclusion</h2>${sentences.map((s) => `<p>${escapeHtml(s.en)}</p>`).join('\n')}</section>`,
    `<section id="conclusion-zh" lang="zh-CN"><h2>结论</h2>${sentences.map((s) => `<p>${escapeHtml(s.zh)}</p>`).join('\n')}</section>`,
  );
  if (results.targets && results.targets.length > 0) {
    body.push(`<section id="targets"><h2>Targets</h2>${htmlTable(targetsTable(results.targets))}</section>`);
  }
  if (axis) {
    body.push(
      `<section id="sweep"><h2>Sweep</h2>${htmlTable(sweepTable(results, axis))}\n${figures(charts.filter((c) => c.run === null))}</section>`,
    );
  }
  results.runs.forEach((run, i) => {
    const parts = [`<h2>Run: ${escapeHtml(run.label)}</h2>`];
    for (const t of runTables(results, run)) parts.push(htmlTable(t));
    if (run.floors && run.floors.length > 0) {
      parts.push(`<h3>${escapeHtml(FLOORS_TITLE)}</h3>`, htmlTable(ratioTable(run.floors)));
    }
    parts.push(figures(charts.filter((c) => c.run === i)));
    body.push(`<section class="run" id="run-${i}">${parts.join('\n')}</section>`);
  });
  const first = results.runs[0];
  if (first && transportsOf(first).length > 0) {
    const items = modelLines(first).map(([t, line]) => `<li><strong>${t}</strong>: ${escapeHtml(line)}</li>`);
    body.push(`<section id="model"><h2>The model</h2><ul>${items.join('')}</ul></section>`);
  }
  if (results.warnings.length > 0) {
    body.push(
      `<section id="warnings"><h2>Warnings</h2><ul>${results.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></section>`,
    );
  }

  return htmlPage(title, body, { results, charts }, options);
}

/**
 * The self-contained page around `body`: CSP, style, the data as inline JSON, Chart.js inlined,
 * and the boot script that draws `data.charts`. Shared by every report kind (scenarios, soak).
 */
export function htmlPage<Data extends { charts: readonly PageChart[] }>(
  title: string,
  body: readonly string[],
  data: Data,
  options: HtmlOptions,
): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
<script type="application/json" id="pushrace-data">${jsonForScript(data)}</script>
<script>${inlineScript(options.chartJs)}</script>
<script>${BOOT}</script>
</body>
</html>
`;
}
