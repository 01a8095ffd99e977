/**
 * The capacity measurement: autocannon against the poll route and a bare Koa route served by
 * the same server process, one after the other under the same load, so their ratio says what
 * pushrace's request path (router, cursor read, socket metering) costs over Koa itself.
 */
import autocannon from 'autocannon';
import type { CapacityResult, LoadFigures } from '../results-schema.ts';

/** One autocannon load. */
export interface CannonSpec {
  url: string;
  connections: number;
  pipelining: number;
  durationMs: number;
}

/** Every default of the capacity measurement. */
export const CAPACITY_DEFAULTS = {
  connections: 100,
  pipelining: 1,
  /** Each route is first loaded this long, unmeasured, so both are measured warm (JIT, sockets). */
  warmupMs: 2000,
};

/** Runs autocannon once; the figures of results.ts. */
export async function cannon(spec: CannonSpec): Promise<LoadFigures> {
  const r = await autocannon({
    url: spec.url,
    connections: spec.connections,
    pipelining: spec.pipelining,
    duration: spec.durationMs / 1000,
  });
  const durationMs = r.duration * 1000;
  const u = new URL(spec.url);
  return {
    path: `${u.pathname}${u.search}`,
    connections: spec.connections,
    pipelining: spec.pipelining,
    durationMs,
    requests: r.requests.total,
    requestsPerSec: durationMs > 0 ? (r.requests.total * 1000) / durationMs : 0,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

/**
 * Warms both routes, then loads the bare route and the poll route for `durationMs` each;
 * `onPhase` hears which is running (for the progress bar).
 */
export async function compareRoutes(
  urls: { poll: string; bare: string },
  opts: { connections: number; pipelining: number; durationMs: number; warmupMs: number },
  onPhase: (name: string, durationMs: number) => void,
): Promise<CapacityResult> {
  const load = (url: string, durationMs: number) =>
    cannon({ url, connections: opts.connections, pipelining: opts.pipelining, durationMs });
  onPhase('warm up', 2 * opts.warmupMs);
  await load(urls.bare, opts.warmupMs);
  await load(urls.poll, opts.warmupMs);
  onPhase('bare Koa', opts.durationMs);
  const bare = await load(urls.bare, opts.durationMs);
  onPhase('poll route', opts.durationMs);
  const poll = await load(urls.poll, opts.durationMs);
  return { poll, bare, ratio: bare.requestsPerSec > 0 ? poll.requestsPerSec / bare.requestsPerSec : 0 };
}
