/**
 * CPU pinning and the child processes of the harness. The server gets core 0 to itself and
 * everything that makes load (the clients, the publisher, autocannon) shares core 1, so the
 * server's CPU figure is its own and a busy client cannot steal from it. Pinning uses
 * `taskset`; where it is missing (or there is one core) nothing is pinned and the report says so.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import os from 'node:os';

/** The cores used when pinning is possible. */
export const CORES = { server: 0, load: 1 } as const;

let available: boolean | undefined;

/** Whether `taskset` exists and there are at least two cores to pin to. */
export function canPin(): boolean {
  if (available === undefined) {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      available = os.availableParallelism() >= 2;
    } catch {
      available = false;
    }
  }
  return available;
}

/**
 * Pins this process (every thread: `-a`) to `core`, so the harness itself (publisher, proxy,
 * autocannon) runs on the load core. Returns false when pinning is not possible.
 */
export function pinSelf(core: number): boolean {
  if (!canPin()) return false;
  try {
    execFileSync('taskset', ['-a', '-pc', String(core), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The URL of tsx's loader, so a child runs TypeScript whatever its working directory. */
function tsxLoader(): string {
  return import.meta.resolve('tsx');
}

/**
 * Spawns `node [nodeFlags] --import tsx <entry> [args]` pinned to `core` (when possible) with an
 * IPC channel using structured-clone serialization, so typed arrays cross it cheaply.
 */
export function spawnPinned(
  entry: string,
  core: number,
  nodeFlags: readonly string[] = [],
  args: readonly string[] = [],
): ChildProcess {
  const nodeArgs = [...nodeFlags, '--import', tsxLoader(), entry, ...args];
  const [command, argv] = canPin()
    ? ['taskset', ['-c', String(core), process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return spawn(command, argv, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
}
