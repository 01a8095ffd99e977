/**
 * Request/reply over a child process's IPC channel, both ends. The harness asks its children
 * (the server, the load generators) for things and waits for the answer; a child may also push
 * events (progress) between answers. One small protocol for both kinds of child, so each entry
 * file only lists its operations.
 */
import type { ChildProcess } from 'node:child_process';

/** A request: `id` pairs it with its reply. */
export interface IpcRequest {
  id: number;
  op: string;
  args: unknown;
}

/** A reply to request `id`: a value, or an error message. */
export type IpcReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** Something a child reports on its own (progress, readiness). */
export interface IpcEvent {
  event: string;
  data: unknown;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/** The parent's side: calls into one child, and hears its events. */
export class IpcClient {
  readonly #child: ChildProcess;
  readonly #what: string;
  #next = 1;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #exited: Error | undefined;

  /** `what` names the child in errors ("server", "load 1"). `onEvent` hears its events. */
  constructor(child: ChildProcess, what: string, onEvent: (e: IpcEvent) => void = () => {}) {
    this.#child = child;
    this.#what = what;
    child.on('message', (msg: unknown) => {
      if (!isObject(msg)) return;
      if (typeof msg.event === 'string') return onEvent({ event: msg.event, data: msg.data });
      if (typeof msg.id !== 'number') return;
      const waiter = this.#pending.get(msg.id);
      if (!waiter) return;
      this.#pending.delete(msg.id);
      if (msg.ok === true) waiter.resolve(msg.value);
      else waiter.reject(new Error(`${what}: ${typeof msg.error === 'string' ? msg.error : 'failed'}`));
    });
    child.on('exit', (code, signal) => {
      this.#exited = new Error(`${what} exited (${signal ?? `code ${code}`})`);
      for (const w of this.#pending.values()) w.reject(this.#exited);
      this.#pending.clear();
    });
  }

  /** Whether the child is gone. */
  get exited(): boolean {
    return this.#exited !== undefined;
  }

  /**
   * Ends the child by closing its channel (a child exits when its parent disconnects, see
   * `serveIpc`), killing it if it is still there after `killAfterMs`; resolves once it is gone.
   */
  async end(killAfterMs = 5000): Promise<void> {
    if (this.exited) return;
    const child = this.#child;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    await gone;
    clearTimeout(timer);
  }

  /**
   * Calls `op` in the child and resolves with its answer. The answer's type is the caller's
   * claim (`T`): both ends are this harness, so the protocol is checked by the tests that
   * run it, not at run time.
   */
  call<T>(op: string, args: unknown = null, timeoutMs = 120_000): Promise<T> {
    if (this.#exited) return Promise.reject(this.#exited);
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.#what}: no answer to ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const request: IpcRequest = { id, op, args };
      this.#child.send(request);
    });
  }
}

/** The child's side: one handler per operation; a thrown error becomes an error reply. */
export type IpcHandlers = Record<string, (args: unknown) => unknown>;

/**
 * Serves `handlers` on this process's IPC channel and returns a function that sends events.
 * The child exits when its parent disconnects, so no child outlives a crashed harness.
 */
export function serveIpc(handlers: IpcHandlers): (event: string, data?: unknown) => void {
  const send = (m: IpcReply | IpcEvent) => {
    if (process.connected) process.send?.(m);
  };
  process.on('message', (msg: unknown) => {
    if (!isObject(msg) || typeof msg.id !== 'number' || typeof msg.op !== 'string') return;
    const id = msg.id;
    const handler = handlers[msg.op];
    if (!handler) return send({ id, ok: false, error: `unknown operation ${msg.op}` });
    Promise.resolve()
      .then(() => handler(msg.args))
      .then(
        (value) => send({ id, ok: true, value }),
        (err: unknown) => send({ id, ok: false, error: err instanceof Error ? err.message : String(err) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
  return (event, data = null) => send({ event, data });
}
