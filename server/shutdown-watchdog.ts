import { Worker } from 'node:worker_threads';

/**
 * The last resort of a shutdown: a thread of its own that kills the process after `ms`.
 * A graceful close is bounded by a timer on the main event loop, and a timer cannot fire
 * while that loop is busy (a fan-out to thousands of sockets, a flood being refused), which
 * is exactly when an operator's SIGTERM must still work. The watchdog's loop is never busy: it
 * says why on stderr and sends SIGKILL to its own process. Unreferenced, so a clean exit
 * never waits for it.
 */
export function armShutdownWatchdog(ms: number): void {
  const message = `pushrace: shutdown did not finish in ${ms} ms (event loop blocked); killing the process\n`;
  const code = `
    const { writeSync } = require('node:fs');
    setTimeout(() => {
      try { writeSync(2, ${JSON.stringify(message)}); } catch {}
      process.kill(process.pid, 'SIGKILL');
    }, ${Math.max(0, Math.round(ms))});
  `;
  // No execArgv: the thread runs plain CommonJS, without the parent's loaders or input type.
  const worker = new Worker(code, { eval: true, execArgv: [] });
  worker.unref();
}
