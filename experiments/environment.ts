/**
 * Where an experiment ran, for `Results.environment`: two reports are comparable only when
 * this block says they are (same Node, same CPU, same commit). Reads the OS and git; kept
 * apart from the pure modules.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Environment } from './results-schema.ts';

/**
 * `git rev-parse HEAD`, with `+dirty` when the code has uncommitted changes; null outside git.
 * `reports/` does not count: the reference run rewrites its own tracked reports as it goes,
 * which says nothing about the code that measured them.
 */
export function gitCommit(cwd = process.cwd()): string | null {
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const head = git(['rev-parse', 'HEAD']);
    const changed = git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)reports']);
    return changed === '' ? head : `${head}+dirty`;
  } catch {
    return null;
  }
}

/** The environment block for an experiment that started at `startedAt` and took `durationMs`. */
export function describeEnvironment(startedAt: Date, durationMs: number, cwd?: string): Environment {
  return {
    node: process.version,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    // The machine's cores, not this process's affinity: the harness pins itself to one.
    cores: os.cpus().length,
    platform: `${process.platform}/${process.arch}`,
    gitCommit: gitCommit(cwd),
    startedAt: startedAt.toISOString(),
    durationMs,
  };
}
