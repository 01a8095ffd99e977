import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../observe/log.ts';

/** The message a worker takes as its shutdown signal (a worker also drains on its own SIGTERM). */
export const SHUTDOWN_MESSAGE = 'pushrace:shutdown';
/** The environment variable that names a worker's instance (set by the primary, read by main.ts). */
export const WORKER_INSTANCE_ENV = 'PUSHRACE_WORKER_INSTANCE';

/** How long the primary waits for its workers to drain before it kills them. */
const DRAIN_DEADLINE_MS = 7000;
/** A worker that dies within this long of its start is restarted after a pause, not at once (a crash loop). */
const CRASH_LOOP_MS = 5000;

export interface PrimaryOptions {
  workers: number;
  /** The cluster's name; workers are `<name>-w<id>` (default: a random `i-xxxx`). */
  instance: string;
  /** The worker entry: this build's server/main (compiled or TypeScript). */
  exec: string;
  log: Logger;
}

/**
 * The node:cluster primary of `WORKERS=N`: forks N workers of the same server, each its own
 * instance (`<name>-w<id>`) on the one shared Redis feed, all listening on the same port. The
 * primary accepts connections and hands them to the workers in turn (round-robin, no
 * stickiness: any worker can answer any request, the request carries its cursor). It serves
 * nothing itself.
 *
 * - Start: the first worker alone, then the others, so a configuration that cannot start (an
 *   unreachable Redis) says so once and the primary exits with that worker's code.
 * - A worker that dies is replaced (a new id, so a new instance name; after a pause when it
 *   died young), and its clients reconnect to the others with their cursors.
 * - SIGTERM/SIGINT: every worker is told to drain (a message, not a signal: Ctrl-C already
 *   signals the whole process group), the primary exits when all have, killing what is left
 *   after 7 s; a second signal kills them at once.
 */
export function runPrimary(opts: PrimaryOptions): void {
  const { log } = opts;
  const base = opts.instance || `i-${randomBytes(2).toString('hex')}`;
  cluster.setupPrimary({ exec: opts.exec });
  let stopping = false;
  let listened = false;
  let exitCode = 0;
  /** Each worker ever started gets the next number: a replacement is a new instance, named apart. */
  let nextId = 1;

  const fork = (): Worker => {
    const name = `${base}-w${nextId}`;
    nextId++;
    const worker = cluster.fork({ [WORKER_INSTANCE_ENV]: name });
    const born = Date.now();
    log.info({ event: 'worker-start', instance: name, pid: worker.process.pid }, `worker ${name} starting`);
    worker.once('exit', (code, signal) => {
      const why = signal ?? code;
      if (stopping) return;
      if (!listened) {
        // The first worker could not start: its own line said why.
        log.error({ event: 'worker-failed', instance: name, code, signal }, `worker ${name} could not start`);
        exitCode = typeof code === 'number' && code !== 0 ? code : 1;
        shutdown('start-failed');
        return;
      }
      const wait = Date.now() - born < CRASH_LOOP_MS ? 1000 : 0;
      log.warn(
        { event: 'worker-exit', instance: name, pid: worker.process.pid, exit: why, restartInMs: wait },
        `worker ${name} exited (${why}); starting another`,
      );
      setTimeout(() => {
        if (!stopping) fork();
      }, wait);
    });
    return worker;
  };
  // The first worker alone; the others once it listens; "cluster of N" once all of them do.
  let up = 0;
  cluster.on('listening', (_worker, address) => {
    if (up < 0) return;
    if (++up === 1) {
      listened = true;
      for (let i = 1; i < opts.workers; i++) fork();
    }
    if (up < opts.workers) return;
    up = -1;
    log.info(
      { event: 'cluster-start', workers: opts.workers, port: address.port, instance: base },
      `cluster of ${opts.workers} workers on port ${address.port}`,
    );
  });
  fork();

  let deadline: ReturnType<typeof setTimeout> | undefined;
  const finish = () => {
    clearTimeout(deadline);
    log.flush(() => process.exit(exitCode));
  };
  const shutdown = (reason: string) => {
    if (stopping) {
      log.warn({ event: 'signal', reason, action: 'kill-workers' }, `${reason} again: killing the workers`);
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      exitCode = 1;
      return;
    }
    stopping = true;
    log.info({ event: 'cluster-stop', reason }, `${reason}: draining the workers`);
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
    if (alive.length === 0) return finish();
    let left = alive.length;
    for (const w of alive) {
      w.once('exit', (code) => {
        if (code !== 0 && exitCode === 0 && reason !== 'start-failed') exitCode = 1;
        if (--left === 0) finish();
      });
      if (w.isConnected()) w.send(SHUTDOWN_MESSAGE);
      else w.process.kill('SIGTERM');
    }
    deadline = setTimeout(() => {
      log.error({ event: 'shutdown-timeout', afterMs: DRAIN_DEADLINE_MS }, 'workers still running: killing them');
      for (const w of alive) w.process.kill('SIGKILL');
    }, DRAIN_DEADLINE_MS);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
