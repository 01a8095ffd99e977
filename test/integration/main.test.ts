import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { SERVING, spawnServer } from '../support/child.ts';

/** Runs `server/main.ts` to its end with `args` (bounded) and returns what it said. */
function runMain(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('server/main.ts', () => {
  it('--help prints every option with its variable and default, and exits 0', () => {
    const r = runMain(['--help']);
    assert.equal(r.status, 0);
    for (const expected of ['--port', 'PORT', '3000', '--publish-token', 'PUBLISH_TOKEN', '--log-level']) {
      assert.ok(r.stdout.includes(expected), `${expected} in the usage text`);
    }
  });

  it('a bad value stops it with one line that names the variable', () => {
    const r = runMain([], { PORT: '99999' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^pushrace: bad configuration: PORT="99999" is not valid/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it('a port in use is one line naming the port and the PORT variable, not a stack', async () => {
    const first = await spawnServer(['--port', '0']);
    try {
      const port = new URL(first.url).port;
      const r = runMain(['--port', port]);
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
  it('an unreachable REDIS_URL is one line naming the address and the variable, not a stack', () => {
    const r = runMain(['--port', '0', '--redis-url', 'redis://127.0.0.1:1', '--redis-timeout-ms', '500']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^pushrace: cannot reach Redis at 127\.0\.0\.1:1 \(REDIS_URL\): .*REDIS_URL unset/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});

describe('server/main.ts with its stdout closed', () => {
  it('still shuts down gracefully on SIGTERM (exit 0, not the deadline or the watchdog)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', '--sources', 'none'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // As `… | head -1`: the reader of stdout goes away after the first line.
    await once(child.stdout, 'data');
    child.stdout.destroy();
    await new Promise((r) => setTimeout(r, 200)); // lines written now hit the closed pipe
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    assert.equal(signal, null);
    assert.equal(code, 0);
  });
});

describe('server/main.ts with a stdout nobody reads', () => {
  it('keeps serving and shuts down gracefully while its log pipe is full', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', '--sources', 'none'], {
      env: { ...process.env, LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    assert.equal(signal, null);
    assert.equal(code, 0);
  });
});

describe('server/shutdown-watchdog.ts', () => {
  it('kills the process even while its event loop is blocked', () => {
    // A loop that never yields: no timer on the main thread could ever fire.
    const script =
      "const { armShutdownWatchdog } = await import('./server/shutdown-watchdog.ts');" +
      'armShutdownWatchdog(300); for (;;) {}';
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.signal, 'SIGKILL');
    assert.match(r.stderr, /shutdown did not finish in 300 ms \(event loop blocked\)/);
  });
});
