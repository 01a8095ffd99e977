#!/usr/bin/env node
/**
 * `npm start`, one command for a newcomer: compile the server, check the configuration (a bad
 * value, or --help, answers before the page build's few seconds), build the dashboard, then
 * serve in this same process from the compiled JavaScript, with no TypeScript loader on the
 * production path. Flags after `npm start --` and the environment reach the server unchanged.
 * Plain JavaScript, because it runs before anything is compiled.
 */
import { spawnSync } from 'node:child_process';

/** Runs an npm script quietly; exits with its status when it fails. */
function npmRun(script) {
  const r = spawnSync('npm', ['run', '--silent', script], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

npmRun('build:server');
const { ConfigError, loadConfig, usage, wantsHelp } = await import('../dist/build/server/config.js');
if (wantsHelp()) {
  console.log(usage());
  process.exit(0);
}
try {
  loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`pushrace: bad configuration: ${err.message} (npm start -- --help lists the options)`);
  process.exit(2);
}
npmRun('build:page');
await import('../dist/build/server/main.js');
