/**
 * The reference report: every scenario, full settings, on this machine, into
 * reports/reference/<scenario>/, then reports/reference/README.md linking each report with its
 * headline tables. `--index` only rewrites the README from the results already there (the
 * index is rendered from results.json alone, like every report). The ten-minute soak and the
 * peers comparison run only when named (`… reference.ts soak peers`); their sections are in
 * the index whenever their results are.
 *
 *   npx tsx experiments/harness/reference.ts [--index] [scenario … | soak]
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { duration } from '../format.ts';
import { costTable, disturbanceLine, ratioTable } from '../peers/tables.ts';
import { alarms } from '../render/alarms.ts';
import { mdTable } from '../render/markdown.ts';
import { capacityTable, headlineTable, idleTable, targetsTable } from '../render/tables.ts';
import { isIdleRun } from '../render/waiting.ts';
import {
  EXPERIMENTS,
  PEERS,
  type PeersResults,
  parseResults,
  type Results,
  type ResultsFile,
  SCENARIOS,
  type ScenarioName,
  SOAK,
  type SoakResults,
} from '../results-schema.ts';
import { SCENARIO_REGISTRY } from '../scenarios/index.ts';
import { deliveryTable, verdictLines } from '../soak/render.ts';

/** Where the reference lives (the repository keeps this folder, ignores the rest of reports/). */
export const REFERENCE_DIR = 'reports/reference';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\r?\n/g, ' ');

/** The README of the reference folder, from the scenarios' (and the soak's) results (pure). */
export function referenceIndex(
  all: ReadonlyArray<{ name: ScenarioName; results: Results }>,
  soak?: SoakResults,
  peers?: PeersResults,
): string {
  const first = all[0]?.results.environment;
  const out = ['# pushrace reference report', ''];
  if (first) {
    out.push(
      `Measured on ${first.cpuModel} × ${first.cores} cores, Node ${first.node} (${first.platform}), commit \`${first.gitCommit ?? 'unknown'}\`, from ${first.startedAt}.`,
      'The server runs in its own process pinned to core 0, the clients (client/lib, in load processes) and the',
      'publisher on core 1; transports are measured one after another. Every scenario ran with its full settings:',
      '`npx tsx experiments/harness/reference.ts` (= `npm run experiment -- <scenario> --out reports/reference/<scenario>`',
      'for each). Each report also lists its warnings, e.g. windows during which other processes used the machine.',
      '',
    );
  }
  const targets = all.flatMap(({ results }) => results.targets ?? []);
  if (targets.length > 0) out.push('## Targets', '', mdTable(targetsTable(targets)), '');
  for (const { name, results } of all) {
    const s = SCENARIO_REGISTRY[name];
    out.push(
      `## ${name}`,
      '',
      `[report.md](${name}/report.md) · [report.html](${name}/report.html) · [results.json](${name}/results.json) — ${s.description}`,
      '',
      `Took ${duration(results.environment.durationMs)}; params: ${Object.entries(results.params)
        .map(([k, v]) => `\`${k}=${v}\``)
        .join(', ')}.`,
      '',
    );
    for (const a of alarms(results)) out.push(`> **${cell(a)}**`, '');
    for (const run of results.runs) {
      const cap = capacityTable(run);
      if (cap && run.capacity)
        out.push(`**${cell(run.label)}** (ratio ${run.capacity.ratio.toFixed(2)})`, '', mdTable(cap), '');
      const rs = Object.values(run.transports);
      if (rs.length > 0) {
        // Nothing delivered (idle): what waiting cost is the headline, not latency.
        const table = isIdleRun(run) ? idleTable(run) : headlineTable(run);
        out.push(`**${cell(run.label)}**`, '', mdTable(table), '');
      }
    }
    if (results.warnings.length > 0) out.push(`${results.warnings.length} warning(s) in the report.`, '');
  }
  if (soak) out.push(...soakSection(soak));
  if (peers) out.push(...peersSection(peers));
  return `${out.join('\n').trimEnd()}\n`;
}

/** The soak's section: its verdict, delivery per transport, and RSS after warm-up and at the end. */
function soakSection(soak: SoakResults): string[] {
  const [verdict = '', ...failures] = verdictLines(soak);
  return [
    '## soak',
    '',
    '[report.md](soak/report.md) · [report.html](soak/report.html) · [results.json](soak/results.json) — all four transports at once, every client stopping and resuming at random, for minutes (`npm run experiment -- soak --out reports/reference/soak`).',
    '',
    `Took ${duration(soak.environment.durationMs)}, commit \`${soak.environment.gitCommit ?? 'unknown'}\`, from ${soak.environment.startedAt}.`,
    '',
    `**${cell(verdict)}**`,
    ...failures.map(cell),
    '',
    mdTable(deliveryTable(soak)),
    '',
  ];
}

/** The peers comparison's section: its ratio table, the ablation's cost table, how quiet the machine was. */
function peersSection(peers: PeersResults): string[] {
  const costs = costTable(peers.peers.comparisons);
  return [
    '## peers',
    '',
    '[report.md](peers/report.md) · [report.html](peers/report.html) · [results.json](peers/results.json) — pushrace against bare Node, bare Koa + @koa/router and socket.io 4, same raw clients, ratios per interleaved repetition pair (`npm run experiment -- peers --out reports/reference/peers`).',
    '',
    `Took ${duration(peers.environment.durationMs)}, commit \`${peers.environment.gitCommit ?? 'unknown'}\`, from ${peers.environment.startedAt}.`,
    '',
    mdTable(ratioTable(peers.peers.comparisons)),
    '',
    ...(costs.rows.length > 0
      ? ["Where pushrace's cost goes (ablation: pushrace without its byte meter):", '', mdTable(costs), '']
      : []),
    cell(disturbanceLine(peers).en),
    '',
  ];
}

/** Every experiment's results found under `dir` (one folder each), the load scenarios and the soak apart. */
async function readAll(
  dir: string,
): Promise<{ scenarios: Array<{ name: ScenarioName; results: Results }>; soak?: SoakResults; peers?: PeersResults }> {
  const found: ResultsFile[] = [];
  for (const name of EXPERIMENTS) {
    try {
      const text = await readFile(join(dir, name, 'results.json'), 'utf8');
      found.push(parseResults(JSON.parse(text), `${name}/results.json`));
    } catch {
      // Not run (yet): left out of the index.
    }
  }
  const scenarios = found.flatMap((r) =>
    r.scenario === SOAK || r.scenario === PEERS ? [] : [{ name: r.scenario, results: r }],
  );
  const soak = found.find((r): r is SoakResults => r.scenario === SOAK);
  const peers = found.find((r): r is PeersResults => r.scenario === PEERS);
  return { scenarios, ...(soak ? { soak } : {}), ...(peers ? { peers } : {}) };
}

async function main(argv: string[]): Promise<number> {
  const dir = resolve(REFERENCE_DIR);
  const indexOnly = argv.includes('--index');
  const names = argv.filter((a) => !a.startsWith('--'));
  for (const name of names.length > 0 ? names : indexOnly ? [] : SCENARIOS) {
    if (!(EXPERIMENTS as readonly string[]).includes(name)) {
      console.error(`unknown scenario ${name}`);
      return 2;
    }
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'experiments/cli.ts', name, '--out', join(dir, name)], {
      stdio: 'inherit',
    });
    if (r.status !== 0 && r.status !== 3) return r.status ?? 1;
  }
  const { scenarios, soak, peers } = await readAll(dir);
  await writeFile(join(dir, 'README.md'), referenceIndex(scenarios, soak, peers));
  console.log(`wrote ${join(dir, 'README.md')}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
