/**
 * `npm start`: configuration → feed → app → HTTP server → transports → listen, on the
 * in-memory feed. SIGTERM/SIGINT close gracefully within 5 s; a second signal exits at once.
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
console.log(
  `pushrace: serving ${running.url} (epoch ${running.feed.epoch}, sources: ${config.sources.join(', ') || 'none'})`,
);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) {
    console.error(`pushrace: ${signal} again, exiting now`);
    process.exit(1);
  }
  stopping = true;
  console.log(`pushrace: ${signal}, closing`);
  const deadline = setTimeout(() => {
    console.error('pushrace: still open after 5 s, exiting');
    process.exit(1);
  }, 5000);
  deadline.unref();
  running.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error('pushrace: error while closing', err);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
