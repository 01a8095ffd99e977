/**
 * How busy the whole machine was during a window, so a report can say when something else on
 * the machine (another build, a browser) competed with the experiment: the server and client
 * cores are pinned for the experiment, not reserved from everyone else.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Busy and total CPU ticks of the whole machine since boot. */
export interface MachineTicks {
  busy: number;
  total: number;
}

/** The machine's CPU ticks now (Linux `/proc/stat`); null elsewhere. */
export function readMachineTicks(): MachineTicks | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.slice(0, 8).reduce((s, x) => s + x, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** CPU the whole machine used since `start`, percent of one core; null when unknown. */
export function machineBusySince(start: MachineTicks | null): number | null {
  const end = readMachineTicks();
  if (!start || !end || end.total === start.total) return null;
  // os.cpus(), not availableParallelism(): this process is pinned to one core by now, and the
  // latter counts only the cores it may run on, while /proc/stat counts them all.
  return ((end.busy - start.busy) / (end.total - start.total)) * 100 * os.cpus().length;
}
