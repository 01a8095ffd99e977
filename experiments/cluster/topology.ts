/**
 * The three deployments the cluster experiment compares, each started fresh as real
 * processes: (a) one instance on the in-memory feed, (b) one instance on a Redis feed, (c) two
 * instances on one Redis feed behind nginx (deploy/nginx.conf, round-robin). The servers run
 * the compiled build (`npm start`'s path) pinned to the server core, with Redis and nginx.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { TRANSPORT_NAMES } from '../../protocol/wire.ts';
import { type Nginx, startNginx } from '../../test/support/nginx.ts';
import { type RedisServer, startRedis } from '../../test/support/redis.ts';
import { CORES, canPin } from '../harness/pin.ts';

export const TOPOLOGIES = ['memory', 'redis', 'nginx-2'] as const;

/**
 * The transports measured: pushrace's own, which carry the cursor. socket.io keeps its sessions
 * in the process that made them: behind round-robin with no sticky sessions it cannot work.
 */
export const CLUSTER_TRANSPORTS = TRANSPORT_NAMES.filter((n) => n !== 'socketio');
export type TopologyName = (typeof TOPOLOGIES)[number];

/** What each topology is, for the report. */
export const TOPOLOGY_LABELS: Record<TopologyName, string> = {
  memory: '1 instance, memory feed',
  redis: '1 instance, Redis feed',
  'nginx-2': '2 instances + Redis behind nginx',
};

/** A process whose CPU time the experiment reads. */
export interface Measured {
  name: string;
  pid: number;
}

export interface Topology {
  /** Where clients connect and publishes go. */
  readonly url: string;
  /** The pushrace instances, then Redis and nginx when present. */
  readonly processes: readonly Measured[];
  close(): Promise<void>;
}

/** CPU time of every thread of `pid` so far, ms (from /proc/<pid>/task/*\/schedstat, nanoseconds). */
export function cpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return ns / 1e6;
}

const SERVING = /"msg":"serving (https?:\/\/[^\s"]+)"/;

/** Starts `node dist/build/server/main.js` (pinned) and resolves once it listens. */
async function startInstance(args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const node = [process.execPath, 'dist/build/server/main.js', '--port', '0', '--sources', 'none', ...args];
  node.push('--publish-rate', '0', '--max-connections-per-ip', '0', '--log-level', 'info');
  const [command, ...argv] = canPin() ? ['taskset', '-c', String(CORES.server), ...node] : node;
  const proc = spawn(command ?? process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 20 s: ${out}`)), 20_000);
    proc.stdout?.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = SERVING.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
  proc.stdout?.resume();
  return { proc, url };
}

const stop = (proc: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 8000).unref();
  });

/** Starts `name` fresh. */
export async function startTopology(name: TopologyName): Promise<Topology> {
  if (name === 'memory') {
    const a = await startInstance(['--instance', 'a']);
    return { url: a.url, processes: [{ name: 'a', pid: a.proc.pid ?? 0 }], close: () => stop(a.proc) };
  }
  const redis: RedisServer = await startRedis();
  const redisArgs = ['--redis-url', redis.url, '--redis-prefix', 'exp'];
  const count = name === 'redis' ? 1 : 2;
  const instances = await Promise.all(
    ['a', 'b'].slice(0, count).map((n) => startInstance([...redisArgs, '--instance', n])),
  );
  const nginx: Nginx | undefined =
    name === 'nginx-2' ? await startNginx(instances.map((i) => new URL(i.url).host)) : undefined;
  const processes: Measured[] = instances.map((i, k) => ({ name: k === 0 ? 'a' : 'b', pid: i.proc.pid ?? 0 }));
  processes.push({ name: 'redis', pid: redis.pid });
  if (nginx) processes.push(...nginx.pids().map((pid, k) => ({ name: k === 0 ? 'nginx' : `nginx-${k}`, pid })));
  return {
    url: nginx?.url ?? instances[0]?.url ?? '',
    processes,
    async close() {
      await nginx?.close();
      await Promise.all(instances.map((i) => stop(i.proc)));
      await redis.close();
    },
  };
}
