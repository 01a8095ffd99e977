import { write, writeSync } from 'node:fs';

/** Log bytes waiting while stdout is not taking them; beyond, lines are dropped (and counted). */
const MAX_QUEUED = 8 * 1024 * 1024;

/**
 * Where the JSON log goes: stdout, written so that it can never stall the server. Both of the
 * obvious ways can: pino's default destination and `process.stdout` write a pipe synchronously
 * on Linux, so a pipe nobody reads (`npm start | head -1`, a stuck log shipper) made every log
 * call wait, SIGTERM handling included; and pino's own asynchronous destination retries a
 * refused write at exit in a sleeping loop that never ends on a closed pipe. Here each batch of
 * lines is one `fs.write` on the thread pool (the event loop never waits for it), lines that
 * arrive meanwhile are queued up to `MAX_QUEUED` bytes and then dropped, a closed pipe (EPIPE)
 * ends logging for good, and the exit flushes what is queued once, only if stdout is not stuck.
 */
export class StdoutLog {
  readonly #fd: number;
  #queue: string[] = [];
  #queued = 0;
  #writing = false;
  #broken = false;
  /** Callers waiting for everything queued to be written (`flush`). */
  #drained: Array<() => void> = [];
  /** Lines dropped because stdout did not keep up (or was closed). */
  dropped = 0;

  constructor(fd = 1) {
    this.#fd = fd;
    // Node opens stdout as a non-blocking pipe when it is first used. Until then a pipe's fd is
    // as the parent made it, blocking: a write into a full one would then hold a thread-pool
    // thread for ever, and the process could not exit (it joins those threads). So open it now:
    // a full pipe answers EAGAIN instead, and the write is retried.
    if (fd === 1) void process.stdout;
    process.once('exit', () => this.#flushAtExit());
  }

  /** pino's destination contract: one serialized line (newline included). */
  write(line: string): void {
    if (this.#broken || this.#queued + line.length > MAX_QUEUED) {
      this.dropped++;
      return;
    }
    this.#queue.push(line);
    this.#queued += line.length;
    if (!this.#writing) this.#writeQueued();
  }

  #writeQueued(): void {
    const bytes = Buffer.from(this.#queue.join(''));
    this.#queue = [];
    this.#queued = 0;
    this.#writing = true;
    this.#send(bytes);
  }

  #send(bytes: Buffer): void {
    write(this.#fd, bytes, 0, bytes.length, null, (err, written) => {
      if (err?.code === 'EAGAIN') {
        // A non-blocking stdout that is full: the same bytes again shortly, still writing.
        setTimeout(() => this.#send(bytes), 50).unref();
        return;
      }
      if (err) {
        // EPIPE and the like: nobody will ever read what follows.
        this.#writing = false;
        this.#broken = true;
        this.#queue = [];
        this.#queued = 0;
        this.#settle();
        return;
      }
      if (written < bytes.length) return this.#send(bytes.subarray(written));
      this.#writing = false;
      if (this.#queue.length > 0) this.#writeQueued();
      else this.#settle();
    });
  }

  /**
   * Calls `done` once everything logged so far is written (or stdout is gone), and in any case
   * within `withinMs`: the server flushes its last lines before it exits, without waiting on a
   * stdout that is stuck. pino's `logger.flush(cb)` calls this.
   */
  flush(done: () => void = () => {}, withinMs = 1000): void {
    if (!this.#writing && this.#queue.length === 0) {
      done();
      return;
    }
    let called = false;
    const once = () => {
      if (called) return;
      called = true;
      clearTimeout(timer);
      done();
    };
    const timer = setTimeout(once, withinMs);
    this.#drained.push(once);
  }

  #settle(): void {
    const waiting = this.#drained;
    this.#drained = [];
    for (const done of waiting) done();
  }

  #flushAtExit(): void {
    if (this.#writing || this.#broken || this.#queue.length === 0) return;
    try {
      writeSync(this.#fd, this.#queue.join(''));
    } catch {
      // stdout is gone: the last lines are lost, the exit is not.
    }
  }
}
