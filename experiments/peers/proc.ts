/**
 * What the kernel says about CPU time, read from /proc: a server's CPU per operation is the
 * sum over its threads of `/proc/<pid>/task/<tid>/schedstat` (first field: ns on CPU), taken
 * before and after a window, so V8's helper threads and libuv's pool count as the server's own
 * work; whether a window was disturbed is what else ran on the server's core in the same window
 * (`/proc/stat`, per CPU). Parsers are pure (tested); readers return null off Linux.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Ns on CPU from one schedstat line (`<ns on cpu> <ns waiting> <timeslices>`); null if malformed. */
export function parseSchedstat(text: string): number | null {
  const first = text.trim().split(/\s+/)[0] ?? '';
  return /^\d+$/.test(first) ? Number(first) : null;
}

/** One CPU's line of /proc/stat, in clock ticks (USER_HZ). */
export interface CpuTicks {
  /** user + nice + system: what processes ran (irq and softirq apart, as schedstat keeps them). */
  busy: number;
  /** Time the hypervisor gave this virtual CPU to someone else. */
  steal: number;
}

/** The `cpuN` line of /proc/stat for `cpu` (not the total line); null when absent. */
export function parseCpuLine(stat: string, cpu: number): CpuTicks | null {
  const line = stat.split('\n').find((l) => l.startsWith(`cpu${cpu} `));
  if (!line) return null;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , , , steal = 0] = f;
  return { busy: user + nice + system, steal };
}

/** `VmRSS` of /proc/<pid>/status, in bytes; null when absent. */
export function parseVmRss(status: string): number | null {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m?.[1] ? Number(m[1]) * 1024 : null;
}

/** USER_HZ: the unit of /proc/stat on every Linux this runs on (sysconf(_SC_CLK_TCK)). */
export const TICK_MS = 10;

/** The sum of every live thread's ns on CPU for `pid`; null off Linux or when the process is gone. */
export function processCpuNs(pid: number): number | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let sum = 0;
  for (const tid of tids) {
    try {
      sum += parseSchedstat(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')) ?? 0;
    } catch {
      // The thread ended between the listing and the read: its time is gone with it.
    }
  }
  return sum;
}

/** One CPU's ticks now; null off Linux. */
export function cpuTicks(cpu: number): CpuTicks | null {
  try {
    return parseCpuLine(readFileSync('/proc/stat', 'utf8'), cpu);
  } catch {
    return null;
  }
}

/** RSS of `pid` now, bytes; null when unknown. */
export function rssOf(pid: number): number | null {
  try {
    return parseVmRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}
