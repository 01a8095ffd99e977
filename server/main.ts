/**
 * The server's entry point (`npm start` runs it compiled, `npm run dev` through tsx):
 * configuration → feed → app → HTTP server → transports → listen, on the in-memory feed or,
 * with REDIS_URL, on Redis.
 * SIGTERM/SIGINT close gracefully; whatever is still open after 5 s is cut, and a second
 * signal exits at once. Everything after configuration is logged through the server's pino
 * logger (JSON lines on stdout; the `listening` line's msg is `serving <url>`). What comes
 * before a logger exists (a bad configuration, `--help`, a port in use, an unreachable Redis)
 * is said in plain words.
 *
 * With WORKERS=N (N > 1, REDIS_URL required) this process becomes a node:cluster primary
 * (cluster/primary.ts) that runs N workers of this same file, each a server of its own on the
 * shared port and the shared Redis feed.
 */
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { runPrimary, SHUTDOWN_MESSAGE, WORKER_INSTANCE_ENV } from './cluster/primary.ts';
import { type Config, ConfigError, loadConfig, usage, wantsHelp } from './config.ts';
import { FeedUnreachable } from './feed/feed.ts';
import { createLogger } from './observe/log.ts';
import { startServer } from './server.ts';
import { armShutdownWatchdog } from './shutdown-watchdog.ts';

/** How long a graceful close may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 5000;

if (wantsHelp()) {
  console.log(usage());
  process.exit(0);
}

let config: Config;
try {
  // A cluster worker is named by its primary (an INSTANCE_ID flag would otherwise name them all alike).
  const worker = process.env[WORKER_INSTANCE_ENV];
  config = loadConfig(process.env, process.argv.slice(2), worker ? { instance: worker } : {});
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`pushrace: bad configuration: ${err.message} (npm start -- --help lists the options)`);
    process.exit(2);
  }
  throw err;
}

if (cluster.isPrimary && config.workers > 1) {
  runPrimary({
    workers: config.workers,
    instance: config.instance,
    exec: fileURLToPath(import.meta.url),
    log: createLogger(config.logLevel),
  });
} else await serve(config);

async function serve(config: Config): Promise<void> {
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer(config);
  } catch (err) {
    if (err instanceof FeedUnreachable) {
      console.error(`pushrace: ${err.message}. Start Redis there, or leave REDIS_URL unset for the in-memory feed.`);
      process.exit(2);
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const why = code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'needs privileges' : 'is not here';
      console.error(
        `pushrace: cannot listen on ${config.host}:${config.port}: the address ${why}. ` +
          'Choose another port with PORT=… or --port (0 picks a free one), or HOST=… / --host.',
      );
      process.exit(2);
    }
    throw err;
  }
  const { log } = running.observer;

  /** Exits once the last log lines are written (at most a second: stdout may be stuck). */
  const exit = (code: number) => log.flush(() => process.exit(code));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ event: 'signal', signal, action: 'exit-now' }, `${signal} again, exiting now`);
      return exit(1);
    }
    stopping = true;
    log.info({ event: 'signal', signal, action: 'close' }, `${signal}, closing`);
    // Two deadlines: a timer for the usual case (it can log), and a watchdog on its own thread
    // for a loop too busy to run that timer.
    armShutdownWatchdog(SHUTDOWN_DEADLINE_MS + 1000);
    setTimeout(() => {
      log.error({ event: 'shutdown-timeout', afterMs: SHUTDOWN_DEADLINE_MS }, 'still open after 5 s, exiting');
      exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    running.close().then(
      () => exit(0),
      (err: unknown) => {
        log.error({ event: 'shutdown-error', err }, 'error while closing');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (cluster.isWorker) {
    // The primary says when to drain (Ctrl-C signals the whole process group: the primary
    // handles it, and a second one there kills the workers).
    process.on('SIGINT', () => {});
    process.on('message', (m: unknown) => {
      if (m === SHUTDOWN_MESSAGE && !stopping) stop('primary');
    });
  } else process.on('SIGINT', () => stop('SIGINT'));
}
