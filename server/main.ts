/**
 * `npm start`: configuration → feed → app → HTTP server → transports → listen, on the
 * in-memory feed. SIGTERM/SIGINT close gracefully within 5 s; a second signal exits at once.
 * Everything after configuration is logged through the server's pino logger (JSON lines on
 * stdout; the `listening` line's msg is `serving <url>`). A bad configuration is reported on
 * stderr in plain words, since there is no logger yet to carry it.
 */
import { ConfigError, loadConfig } from './config.ts';
import { startServer } from './server.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`pushrace: bad configuration: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

const running = await startServer(config);
const { log } = running.observer;

let stopping = false;
const stop = (signal: string) => {
  if (stopping) {
    log.warn({ event: 'signal', signal, action: 'exit-now' }, `${signal} again, exiting now`);
    process.exit(1);
  }
  stopping = true;
  log.info({ event: 'signal', signal, action: 'close' }, `${signal}, closing`);
  const deadline = setTimeout(() => {
    log.error({ event: 'shutdown-timeout', afterMs: 5000 }, 'still open after 5 s, exiting');
    process.exit(1);
  }, 5000);
  deadline.unref();
  running.close().then(
    () => process.exit(0),
    (err: unknown) => {
      log.error({ event: 'shutdown-error', err }, 'error while closing');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
