import {
  type ByteSplit,
  type EndpointStats,
  type InstanceStats,
  type StatsResponse,
  TRANSPORT_NAMES,
  type TransportName,
  type TransportStats,
} from '../../protocol/wire.ts';

const addBytes = (into: ByteSplit, from: ByteSplit) => {
  into.header += from.header;
  into.payload += from.payload;
};

const addEndpoint = (into: EndpointStats, from: EndpointStats) => {
  into.requests += from.requests;
  addBytes(into.bytesIn, from.bytesIn);
  addBytes(into.bytesOut, from.bytesOut);
};

const zeroEndpoint = (): EndpointStats => ({
  requests: 0,
  bytesIn: { header: 0, payload: 0 },
  bytesOut: { header: 0, payload: 0 },
});

const zeroTransport = (): TransportStats => ({
  connections: 0,
  held: 0,
  emptyResponses: 0,
  timeouts: 0,
  delivered: 0,
  ...zeroEndpoint(),
});

/**
 * The cluster's `/api/stats`: every counter summed over the instances, and each instance's own
 * kept under its name. Each instance meters its own sockets exactly, so a sum of exact parts is
 * exact: nothing is sampled or estimated. `since` is the oldest instance's (the sums cover at
 * least that long); epoch and head are the feed's, which all instances share.
 */
export function sumStats(
  feed: { epoch: string; head: number },
  parts: ReadonlyMap<string, InstanceStats>,
  complete: boolean,
): StatsResponse {
  const transports = Object.fromEntries(TRANSPORT_NAMES.map((n) => [n, zeroTransport()])) as Record<
    TransportName,
    TransportStats
  >;
  const endpoints: StatsResponse['endpoints'] = {};
  const other = zeroEndpoint();
  let since = Number.POSITIVE_INFINITY;
  for (const part of parts.values()) {
    since = Math.min(since, part.since);
    for (const name of TRANSPORT_NAMES) {
      const into = transports[name];
      const from = part.transports[name];
      into.connections += from.connections;
      into.held += from.held;
      into.emptyResponses += from.emptyResponses;
      into.timeouts += from.timeouts;
      into.delivered += from.delivered;
      addEndpoint(into, from);
    }
    for (const [path, e] of Object.entries(part.endpoints)) {
      const into = endpoints[path] ?? { transport: e.transport, ...zeroEndpoint() };
      endpoints[path] = into;
      addEndpoint(into, e);
    }
    addEndpoint(other, part.other);
  }
  return {
    epoch: feed.epoch,
    head: feed.head,
    since: Number.isFinite(since) ? since : Date.now(),
    transports,
    endpoints,
    other,
    instances: Object.fromEntries(parts),
    complete,
  };
}
