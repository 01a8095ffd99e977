/**
 * `npm run report -- DIR`: re-renders DIR/report.md and DIR/report.html from DIR/results.json
 * without re-running anything. The only module of the report path that touches the disk;
 * validating and rendering are the pure modules it calls.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderPeersHtml, renderPeersMarkdown } from './peers/render.ts';
import { type HtmlOptions, renderHtml } from './render/html.ts';
import { renderMarkdown } from './render/markdown.ts';
import { PEERS, parseResults, ResultsError, type ResultsFile, SOAK } from './results-schema.ts';
import { renderSoakHtml, renderSoakMarkdown } from './soak/render.ts';

/** File names inside a results directory. */
export const REPORT_FILES = { results: 'results.json', markdown: 'report.md', html: 'report.html' } as const;

/**
 * The Chart.js UMD bundle as text. The package's `exports` map hides `dist/`, so the file is
 * found next to the entry point `require` resolves to.
 */
export async function readChartJs(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return readFile(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
}

/** The paths written by `renderReport`. */
export interface ReportPaths {
  results: string;
  markdown: string;
  html: string;
}

/** The two reports of a results file. */
export interface Reports {
  markdown: string;
  html: string;
}

/**
 * Renders `results` with the renderers of its scenario: the soak's for the soak, the peers'
 * for the peers comparison, the load scenarios' for every other. The one place that chooses, so each renderer takes only its
 * own kind of file.
 */
export function renderResults(results: ResultsFile, options: HtmlOptions): Reports {
  if (results.scenario === SOAK) {
    return { markdown: renderSoakMarkdown(results), html: renderSoakHtml(results, options) };
  }
  if (results.scenario === PEERS) {
    return { markdown: renderPeersMarkdown(results), html: renderPeersHtml(results, options) };
  }
  return { markdown: renderMarkdown(results), html: renderHtml(results, options) };
}

/**
 * Reads DIR/results.json, validates it (throws `ResultsError` for another version or a bad
 * file) and writes DIR/report.md and DIR/report.html.
 */
export async function renderReport(dir: string): Promise<ReportPaths> {
  const paths = {
    results: join(dir, REPORT_FILES.results),
    markdown: join(dir, REPORT_FILES.markdown),
    html: join(dir, REPORT_FILES.html),
  };
  let text: string;
  try {
    text = await readFile(paths.results, 'utf8');
  } catch (e) {
    throw new ResultsError(`cannot read ${paths.results}: ${(e as Error).message}`, 'invalid');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ResultsError(`${paths.results} is not JSON: ${(e as Error).message}`, 'invalid');
  }
  const results = parseResults(json, paths.results);
  const reports = renderResults(results, { chartJs: await readChartJs() });
  await writeFile(paths.markdown, reports.markdown);
  await writeFile(paths.html, reports.html);
  return paths;
}

/**
 * What the harness calls at the end of a run: validates `results` (a harness bug must not
 * produce a file `report` would refuse), writes DIR/results.json, then renders the reports.
 */
export async function writeReport(dir: string, results: ResultsFile): Promise<ReportPaths> {
  const checked = parseResults(results, 'the results to write');
  await writeFile(join(dir, REPORT_FILES.results), `${JSON.stringify(checked, null, 2)}\n`);
  return renderReport(dir);
}

async function main(argv: string[]): Promise<number> {
  const dir = argv[0];
  if (!dir || argv.length > 1) {
    console.error('usage: npm run report -- DIR   (DIR holds results.json; writes report.md and report.html)');
    return 2;
  }
  try {
    const paths = await renderReport(resolve(dir));
    console.log(`wrote ${paths.markdown}\nwrote ${paths.html}`);
    return 0;
  } catch (e) {
    if (e instanceof ResultsError) {
      console.error(`report: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
