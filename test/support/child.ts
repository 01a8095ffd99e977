import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { redisFromEnv } from './server.ts';

/** The URL in the server's `listening` log line. */
export const SERVING = /"msg":"serving (https?:\/\/[^\s"]+)"/;

/** A server started as its own process (`server/main.ts`), as a user would run it. */
export interface ServerChild {
  proc: ChildProcess;
  url: string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Everything written to stdout so far: the JSON log lines. */
  stdout(): string;
}

let compiled: Promise<string[]> | undefined;

/**
 * How to start the server as a process: node's arguments before the server's own. By default
 * this tree's `server/main.ts` compiled to one JavaScript file (esbuild, once per test process,
 * in a tenth of a second), its packages loaded from node_modules, as `npm start` runs the
 * compiled server with no TypeScript loader: half the CPU of a start through tsx, which on a
 * busy 2-core machine is seconds per server. `PUSHRACE_SERVER_ENTRY` names another build's
 * entry instead, run through tsx (how the performance tests measure an earlier version side by
 * side).
 */
export function serverCommand(): Promise<string[]> {
  const other = process.env.PUSHRACE_SERVER_ENTRY;
  if (other) return Promise.resolve(['--import', 'tsx', other]);
  compiled ??= (async () => {
    // Inside the tree, so that the bundle's bare imports resolve to this tree's node_modules.
    const dir = resolve('dist', 'test-server');
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, `main-${process.pid}.mjs`);
    await build({
      entryPoints: ['server/main.ts'],
      outfile,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
    });
    process.once('exit', () => rmSync(outfile, { force: true }));
    return [outfile];
  })();
  return compiled;
}

/**
 * Starts the server (serverCommand) with `args` and waits (bounded) for the log line that names
 * the bound URL (`"msg":"serving <url>"`, at info). No sources by default. With REDIS_URL in
 * the environment, the server's feed is on that Redis under a prefix of its own. The bound is
 * generous: starting is not what these tests measure, and a loaded machine takes seconds.
 */
export async function spawnServer(args: string[], env: Record<string, string> = {}, ms = 60_000): Promise<ServerChild> {
  const proc = spawn(process.execPath, [...(await serverCommand()), '--sources', 'none', ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...redisPrefixEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr?.setEncoding('utf8').on('data', (c: string) => {
    err += c;
  });
  proc.stdout?.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Killed, not left running: a live child would keep the test file from ever ending.
      proc.kill('SIGKILL');
      reject(new Error(`server did not start in ${ms} ms: ${err}`));
    }, ms);
    const onData = () => {
      const m = SERVING.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        resolve(m[1]);
      }
    };
    proc.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening: ${err}`));
    });
  });
  return { proc, url, exited, stderr: () => err, stdout: () => out };
}

/** REDIS_PREFIX for a spawned server when REDIS_URL is set: a fresh feed, as a memory feed's would be. */
function redisPrefixEnv(): Record<string, string> {
  const redis = redisFromEnv();
  return 'redisPrefix' in redis ? { REDIS_PREFIX: redis.redisPrefix } : {};
}
