/**
 * Runs one suite of node:test files through tsx. The suites are folders, split by cost:
 *
 * - `unit`: pure modules, no sockets; files run in parallel.
 * - `integration`: real listening servers on free ports (port 0), no verdict that depends on
 *   timing or load; files run in parallel (they share no port and measure no time).
 * - `perf`: everything whose verdict depends on timing, memory or load (the harness, the
 *   soak, floods, heap and latency bounds); one file at a time, so they do not measure each other.
 *
 * Node 20's `--test` does not expand globs, so the files are listed here. Extra arguments go to
 * node (e.g. `npm run test:unit -- --test-name-pattern=Feed`); plain paths narrow the set.
 *
 * `--redis` (npm run test:redis) starts a redis-server of its own on a free port and runs the
 * suite with REDIS_URL pointing at it: every test server then keeps its feed in Redis (each
 * under its own key prefix, test/support/server.ts), so the suite checks the Redis feed through
 * every transport. The redis-server is stopped when the suite ends.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** Files run at once per suite: processes, not threads; integration files mostly wait on sockets. */
const CONCURRENCY: Record<string, number> = {
  unit: availableParallelism(),
  integration: Math.max(2, availableParallelism() * 2),
  perf: 1,
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

const [suite = '', ...args] = process.argv.slice(2);
const withRedis = args.includes('--redis');
const rest = args.filter((a) => a !== '--redis');
const concurrency = CONCURRENCY[suite];
if (concurrency === undefined) {
  console.error(`usage: tsx scripts/run-tests.ts <${Object.keys(CONCURRENCY).join('|')}> [paths] [node flags]`);
  process.exit(2);
}
const paths = rest.filter((a) => !a.startsWith('-'));
const flags = rest.filter((a) => a.startsWith('-'));
const files = paths.length > 0 ? paths : find(join('test', suite), []).sort();
if (files.length === 0) {
  console.error(`no test files in test/${suite}`);
  process.exit(1);
}
const redis = withRedis ? await (await import('../test/support/redis.ts')).startRedis() : undefined;
if (redis) console.log(`== REDIS_URL=${redis.url} (a redis-server of this run)`);
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...flags, ...files],
  { stdio: 'inherit', env: redis ? { ...process.env, REDIS_URL: redis.url } : process.env },
);
const status = await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
await redis?.close();
process.exit(status);
