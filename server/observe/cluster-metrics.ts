import { Gauge, type Registry } from 'prom-client';
import type { StatsResponse } from '../../protocol/wire.ts';
import { type ByteSplit, TRANSPORT_NAMES, type TransportStats } from '../../protocol/wire.ts';

/** One scrape asks the cluster once, however many families read the answer. */
const SCRAPE_MS = 250;

type Gather = () => Promise<StatsResponse>;

/** The families, each once for the cluster's sums (`pushrace_cluster_*`) and per instance (`pushrace_instance_*`). */
const FAMILIES: ReadonlyArray<{ name: string; help: string; value: (t: TransportStats) => number }> = [
  { name: 'connections', help: 'Open connections per transport', value: (t) => t.connections },
  { name: 'delivered', help: 'Messages handed to a client since the counters were cleared', value: (t) => t.delivered },
  { name: 'requests', help: 'HTTP requests (ws: upgrades) since the counters were cleared', value: (t) => t.requests },
];

const bytesOf = (split: ByteSplit, part: 'header' | 'payload') => split[part];

/**
 * Prometheus families for a server in a cluster (a Redis feed): the cluster's counters summed
 * (`pushrace_cluster_*{transport}`) and each instance's (`pushrace_instance_*{instance,transport}`),
 * read at scrape time from the same gathering as `/api/stats`, so any one instance's `/metrics`
 * shows the whole cluster. Gauges, not counters: clearing the stats zeroes them. The process's
 * own families (`pushrace_deliveries_total`, …) are unchanged beside them.
 */
export function registerClusterMetrics(registry: Registry, gather: Gather): void {
  let last: { at: number; answer: Promise<StatsResponse> } | undefined;
  const once = () => {
    if (!last || Date.now() - last.at > SCRAPE_MS) last = { at: Date.now(), answer: gather() };
    return last.answer;
  };
  const registers = [registry];
  new Gauge({
    name: 'pushrace_cluster_instances',
    help: 'Instances that answered this scrape',
    registers,
    async collect() {
      this.set(Object.keys((await once()).instances ?? {}).length);
    },
  });
  for (const f of FAMILIES) {
    new Gauge({
      name: `pushrace_cluster_${f.name}`,
      help: `${f.help}, all instances together`,
      labelNames: ['transport'],
      registers,
      async collect() {
        const s = await once();
        for (const t of TRANSPORT_NAMES) this.set({ transport: t }, f.value(s.transports[t]));
      },
    });
    new Gauge({
      name: `pushrace_instance_${f.name}`,
      help: `${f.help}, per instance`,
      labelNames: ['instance', 'transport'],
      registers,
      async collect() {
        this.reset();
        for (const [instance, s] of Object.entries((await once()).instances ?? {})) {
          for (const t of TRANSPORT_NAMES) this.set({ instance, transport: t }, f.value(s.transports[t]));
        }
      },
    });
  }
  const byteLabels = ['transport', 'direction', 'part'] as const;
  const setBytes = (g: Gauge<string>, labels: Record<string, string>, t: TransportStats) => {
    for (const part of ['header', 'payload'] as const) {
      g.set({ ...labels, direction: 'in', part }, bytesOf(t.bytesIn, part));
      g.set({ ...labels, direction: 'out', part }, bytesOf(t.bytesOut, part));
    }
  };
  new Gauge({
    name: 'pushrace_cluster_bytes',
    help: 'Bytes read and written on the sockets per transport, all instances together (exact: each instance meters its own)',
    labelNames: byteLabels,
    registers,
    async collect() {
      const s = await once();
      for (const transport of TRANSPORT_NAMES) setBytes(this, { transport }, s.transports[transport]);
    },
  });
  new Gauge({
    name: 'pushrace_instance_bytes',
    help: 'Bytes read and written on the sockets per transport, per instance',
    labelNames: ['instance', ...byteLabels],
    registers,
    async collect() {
      this.reset();
      for (const [instance, s] of Object.entries((await once()).instances ?? {})) {
        for (const transport of TRANSPORT_NAMES) setBytes(this, { instance, transport }, s.transports[transport]);
      }
    },
  });
}
