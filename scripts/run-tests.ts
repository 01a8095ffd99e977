/**
 * Runs one suite of node:test files through tsx. The suites are folders, split by cost:
 *
 * - `unit`: pure modules, no sockets; files run in parallel.
 * - `integration`: real listening servers on free ports (port 0), no verdict that depends on
 *   timing or load; files run in parallel (they share no port and measure no time).
 * - `perf`: everything whose verdict depends on timing, memory or load (the harness, the
 *   soak, floods, heap and latency bounds); one file at a time, each in a process of its own, so
 *   they do not measure each other.
 *
 * What a unit or integration file costs is mostly starting Node, the TypeScript loader and the
 * modules under test (one to two seconds of CPU each), not its tests. So their files share
 * processes: the suite is cut into a few shares, each one process that runs its files one after
 * another, `concurrency` processes at once. Files of a share never run at the same time, so they
 * cannot slow each other; each starts its own servers on free ports, and the servers a file leaves
 * open are closed when its process ends (test/support/server.ts).
 *
 * Node 20's `--test` does not expand globs, so the files are listed here. Extra arguments go to
 * node (e.g. `npm run test:unit -- --test-name-pattern=Feed`); plain paths narrow the set (and
 * then each runs in its own process).
 *
 * `--redis` (npm run test:redis) starts a redis-server of its own on a free port and runs the
 * suite with REDIS_URL pointing at it: every test server then keeps its feed in Redis (each
 * under its own key prefix, test/support/server.ts), so the suite checks the Redis feed through
 * every transport. The redis-server is stopped when the suite ends.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** How a suite's files are run: processes at once, and how many shares the files are cut into (0: a process per file). */
interface SuitePlan {
  concurrency: number;
  shares: number;
}

const cores = availableParallelism();
const SUITES: Record<string, SuitePlan> = {
  // CPU-bound: one process per core
  unit: { concurrency: cores, shares: cores },
  // integration files mostly wait on sockets: twice as many processes as cores; twice as many
  // shares again, so a share that ends early takes the next rather than leaving a core idle
  integration: { concurrency: Math.max(2, cores * 2), shares: Math.max(4, cores * 4) },
  perf: { concurrency: 1, shares: 0 },
};

function find(dir: string, out: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/**
 * Splits `files` into `n` entry modules that import their share, written to `dir`: largest file
 * first onto the lightest share, by source size (a rough proxy of a file's run time), so the
 * shares end at about the same time.
 */
function shares(files: string[], n: number, dir: string): string[] {
  const groups = Array.from({ length: Math.min(n, files.length) }, () => ({ bytes: 0, files: [] as string[] }));
  const bySize = files.map((f) => ({ f, bytes: statSync(f).size })).sort((a, b) => b.bytes - a.bytes);
  for (const { f, bytes } of bySize) {
    const lightest = groups.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    lightest.bytes += bytes;
    lightest.files.push(f);
  }
  return groups.map((g, i) => {
    const entry = join(dir, `share-${i + 1}.test.mjs`);
    const imports = g.files.sort().map((f) => `import ${JSON.stringify(pathToFileURL(resolve(f)).href)};`);
    writeFileSync(entry, `${imports.join('\n')}\n`);
    return entry;
  });
}

const [suite = '', ...args] = process.argv.slice(2);
const withRedis = args.includes('--redis');
const rest = args.filter((a) => a !== '--redis');
const plan = SUITES[suite];
if (plan === undefined) {
  console.error(`usage: tsx scripts/run-tests.ts <${Object.keys(SUITES).join('|')}> [paths] [node flags]`);
  process.exit(2);
}
const paths = rest.filter((a) => !a.startsWith('-'));
const flags = rest.filter((a) => a.startsWith('-'));
const files = paths.length > 0 ? paths : find(join('test', suite), []).sort();
if (files.length === 0) {
  console.error(`no test files in test/${suite}`);
  process.exit(1);
}
// Files named on the command line run one process each, as written.
const shareDir = plan.shares > 0 && paths.length === 0 ? mkdtempSync(join(tmpdir(), 'pushrace-tests-')) : undefined;
const entries = shareDir ? shares(files, plan.shares, shareDir) : files;
const redis = withRedis ? await (await import('../test/support/redis.ts')).startRedis() : undefined;
if (redis) console.log(`== REDIS_URL=${redis.url} (a redis-server of this run)`);
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${plan.concurrency}`, ...flags, ...entries],
  { stdio: 'inherit', env: redis ? { ...process.env, REDIS_URL: redis.url } : process.env },
);
const status = await new Promise<number>((done) => child.once('exit', (code) => done(code ?? 1)));
await redis?.close();
if (shareDir) rmSync(shareDir, { recursive: true, force: true });
process.exit(status);
