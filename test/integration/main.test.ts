import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { SERVING, serverCommand, spawnServer } from '../support/child.ts';

/** What a process said and how it ended. */
interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs node with `args` to its end (bounded: killed after 60 s) and returns what it said. */
async function run(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [status, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { status, signal, stdout, stderr };
}

/** Runs the server's entry (as `npm start` does, compiled: test/support/child.ts) to its end with `args`. */
async function runMain(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return run([...(await serverCommand()), ...args], env);
}

/** Starts the server's entry with `args`, its stdout and stderr piped to this test. */
async function startMain(args: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, [...(await serverCommand()), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Sends SIGTERM and checks the graceful path: exit 0 of its own, not a signal's death. */
async function assertGracefulExit(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  assert.equal(signal, null);
  assert.equal(code, 0);
}

// Each test waits on processes of its own: they run at the same time.
describe('the server as a process', { concurrency: true }, () => {
  describe('server/main.ts', { concurrency: true }, () => {
    it('--help prints every option with its variable and default, and exits 0', async () => {
      const r = await runMain(['--help']);
      assert.equal(r.status, 0);
      for (const expected of ['--port', 'PORT', '3000', '--publish-token', 'PUBLISH_TOKEN', '--log-level']) {
        assert.ok(r.stdout.includes(expected), `${expected} in the usage text`);
      }
    });

    it('a bad value stops it with one line that names the variable', async () => {
      const r = await runMain([], { PORT: '99999' });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /^pushrace: bad configuration: PORT="99999" is not valid/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });

    it('a port in use is one line naming the port and the PORT variable, not a stack', async () => {
      const first = await spawnServer(['--port', '0']);
      try {
        const port = new URL(first.url).port;
        const r = await runMain(['--port', port]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use`));
        assert.match(r.stderr, /PORT=/);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      } finally {
        first.proc.kill('SIGKILL');
      }
    });
  });

  describe('server/main.ts on Redis', () => {
    it('an unreachable REDIS_URL is one line naming the address and the variable, not a stack', async () => {
      const r = await runMain(['--port', '0', '--redis-url', 'redis://127.0.0.1:1', '--redis-timeout-ms', '500']);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /^pushrace: cannot reach Redis at 127\.0\.0\.1:1 \(REDIS_URL\): .*REDIS_URL unset/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });
  });

  describe('server/main.ts with its stdout closed', () => {
    it('still shuts down gracefully on SIGTERM (exit 0, not the deadline or the watchdog)', async () => {
      const child = await startMain(['--port', '0', '--sources', 'none']);
      // As `… | head -1`: the reader of stdout goes away after the first line.
      await once(child.stdout, 'data');
      child.stdout.destroy();
      await new Promise((r) => setTimeout(r, 200)); // lines written now hit the closed pipe
      await assertGracefulExit(child);
    });
  });

  describe('server/main.ts with a stdout nobody reads', () => {
    it('keeps serving and shuts down gracefully while its log pipe is full', async () => {
      const child = await startMain(['--port', '0', '--sources', 'none'], { LOG_LEVEL: 'debug' });
      let head = '';
      const onData = (c: Buffer) => {
        head += c.toString('utf8');
      };
      child.stdout.on('data', onData);
      await new Promise<void>((resolve) => {
        const check = () => (SERVING.test(head) ? resolve() : child.stdout.once('data', check));
        check();
      });
      const url = SERVING.exec(head)?.[1] ?? '';
      // From here nothing reads stdout: the pipe fills with the debug lines of 400 connections.
      child.stdout.off('data', onData);
      child.stdout.pause();
      for (let i = 0; i < 400; i++) {
        const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
        await once(ws, 'open');
        ws.terminate();
      }
      assert.equal((await fetch(`${url}/healthz`)).status, 200, 'still serving with its log stuck');
      await assertGracefulExit(child);
    });
  });

  describe('server/shutdown-watchdog.ts', () => {
    it('kills the process even while its event loop is blocked', async () => {
      // A loop that never yields: no timer on the main thread could ever fire.
      const script =
        "const { armShutdownWatchdog } = await import('./server/shutdown-watchdog.ts');" +
        'armShutdownWatchdog(300); for (;;) {}';
      const r = await run(['--import', 'tsx', '--input-type=module', '-e', script]);
      assert.equal(r.signal, 'SIGKILL');
      assert.match(r.stderr, /shutdown did not finish in 300 ms \(event loop blocked\)/);
    });
  });
});
