import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The binary: `redis-server` on PATH, or the one `REDIS_SERVER` names. */
const BINARY = process.env.REDIS_SERVER ?? 'redis-server';

const MISSING =
  `${BINARY} was not found: the Redis feed's tests start their own redis-server and are never skipped. ` +
  'Install it (Debian: apt-get install redis-server; .ci/run does) or set REDIS_SERVER=/path/to/redis-server.';

/** A redis-server child process of this test, on a free loopback port, which it can stop and start again. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`: the same across restarts. */
  readonly url: string;
  readonly port: number;
  /** The running redis-server's process id (a restart gives another). */
  readonly pid: number;
  /** Whether the AOF is on (`appendfsync always`): a restart keeps every acknowledged write. */
  readonly aof: boolean;
  /** Shuts down cleanly (SIGTERM) and waits for the exit. Without AOF, the data is gone. */
  stop(): Promise<void>;
  /** Crashes it (SIGKILL) and waits for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (an AOF Redis reloads its data); resolves when it answers. */
  start(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing is answered, until `resume`. */
  pause(): void;
  resume(): void;
  /** Kills it and removes its directory. */
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (free when asked: redis-server or nginx binds it moments later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a Redis on `port` answers PING with PONG (not LOADING, not refused). */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

/**
 * Starts `redis-server --port <free> --save "" --appendonly no` (or, with `aof`, the AOF on and
 * fsynced on every write) as a child process, its files in a temporary directory, and waits
 * until it answers. Fails with a clear message when the binary is missing. The child is killed
 * when the test process exits, whatever happens to the test.
 */
export async function startRedis(opts: { aof?: boolean } = {}): Promise<RedisServer> {
  const aof = opts.aof === true;
  const dir = mkdtempSync(join(tmpdir(), 'pushrace-redis-'));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const launch = async (port: number): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', aof ? 'yes' : 'no'];
    args.push('--appendfsync', 'always', '--dir', dir, '--logfile', 'redis.log', '--daemonize', 'no');
    const proc = spawn(BINARY, args, { stdio: 'ignore' });
    child = proc;
    let gone = false;
    let failure: Error | undefined;
    exited = new Promise((resolve) => {
      proc.once('error', (err: NodeJS.ErrnoException) => {
        failure = err.code === 'ENOENT' ? new Error(MISSING) : err;
        gone = true;
        resolve();
      });
      proc.once('exit', () => {
        gone = true;
        resolve();
      });
    });
    const until = Date.now() + 10_000;
    while (!(await pong(port))) {
      if (failure) throw failure;
      if (gone || Date.now() > until) {
        let log = '';
        try {
          log = readFileSync(join(dir, 'redis.log'), 'utf8').slice(-2000);
        } catch {}
        throw new Error(`redis-server on port ${port} did not start: ${log}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  // The port was free a moment ago; if something took it meanwhile, try another.
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await launch(port);
      break;
    } catch (err) {
      if (attempt >= 2 || (err instanceof Error && err.message === MISSING)) {
        process.off('exit', killOnExit);
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  const signal = async (sig: NodeJS.Signals) => {
    child?.kill(sig);
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid ?? 0;
    },
    aof,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    start: () => launch(port),
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async close() {
      child?.kill('SIGCONT');
      await signal('SIGKILL');
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
