/**
 * The harness's fleet with the peers scenario's raw clients instead of client/lib: the same
 * pushrace routes and cursors, a few µs of client work per message, so a 10 000-client scale
 * run measures the server and not the load core. client/lib stays the client of the
 * correctness runs (steady, rtt, soak …), where what the browser code does is the point.
 */

import type { ClientKind } from '../peers/clients/fleet.ts';
import { RawFleet } from '../peers/clients/fleet.ts';
import type { FleetSamples, FleetSpec } from './fleet.ts';

const KIND = {
  ws: 'ws',
  sse: 'sse',
  'long-poll': 'long-poll',
  poll: 'poll',
  socketio: 'socket.io-ws',
} as const satisfies Record<FleetSpec['transport'], ClientKind>;

/** The first request of each transport, as client/lib makes it (polling clients add `after` themselves). */
function pathOf(spec: FleetSpec): string {
  const { after, epoch } = spec.from;
  const resume = `after=${after ?? 0}${epoch ? `&epoch=${epoch}` : ''}`;
  if (spec.transport === 'ws') return `/ws?${resume}`;
  // The raw socket.io client connects with a bare `40` (no auth): live from the head, which is
  // where a fleet stands when it opens, before anything is published.
  if (spec.transport === 'socketio') return '/socket.io/?EIO=4&transport=websocket';
  if (spec.transport === 'sse') return `/api/sse?${resume}`;
  const e = epoch ? `epoch=${epoch}&` : '';
  if (spec.transport === 'long-poll') return `/api/long-poll?${e}timeout=${spec.longPollTimeoutMs}`;
  return `/api/poll?${e}`.replace(/[?&]$/, '');
}

/** `xs` starting at index `k` (mod its length): round-robin continues across load processes. */
const rotate = <T>(xs: readonly T[], k: number): T[] => {
  const i = xs.length > 0 ? k % xs.length : 0;
  return [...xs.slice(i), ...xs.slice(0, i)];
};

/** A fleet of raw clients with the harness fleet's interface. */
export class RawHarnessFleet {
  readonly #fleet: RawFleet;
  readonly #clients: number;

  constructor(spec: FleetSpec, onProgress: (ready: number) => void) {
    const url = new URL(spec.baseUrl);
    this.#clients = spec.clients;
    this.#fleet = new RawFleet(
      {
        kind: KIND[spec.transport],
        url: `${url.protocol}//${url.host}`,
        path: pathOf(spec),
        clients: spec.clients,
        head: spec.from.after ?? 0,
        pollIntervalMs: spec.pollIntervalMs,
        sourceAddresses: rotate(spec.sourceAddresses, spec.firstIndex),
        batchSize: spec.batchSize,
        readyTimeoutMs: spec.readyTimeoutMs,
        record: true,
      },
      onProgress,
    );
  }

  start(): Promise<number> {
    return this.#fleet.start();
  }

  mark(): number {
    return this.#fleet.mark();
  }

  awaitSeq(seq: number, timeoutMs: number): Promise<number> {
    return this.#fleet.awaitSeq(seq, timeoutMs);
  }

  reachedCount(seq: number): number {
    return this.#fleet.reached(seq);
  }

  /** The window's samples in the harness's packed form, per counted client. */
  collect(): FleetSamples {
    const raw = this.#fleet.collect(0);
    const counted = this.#fleet.counted;
    const n = counted.length;
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) offsets[i + 1] = (offsets[i] ?? 0) + (counted[i]?.tracker.received?.seqs.length ?? 0);
    const seqs = new Float64Array(offsets[n] ?? 0);
    const latencies = new Float64Array(offsets[n] ?? 0);
    const requests = new Int32Array(n);
    counted.forEach((c, i) => {
      seqs.set(c.tracker.received?.seqs ?? [], offsets[i]);
      latencies.set(c.tracker.received?.latencies ?? [], offsets[i]);
      requests[i] = c.tracker.requests;
    });
    const wallCpu = raw.cpuMs;
    return {
      offsets,
      seqs,
      latencies,
      requests,
      cpuPercent: raw.wallMs > 0 ? (wallCpu / raw.wallMs) * 100 : 0,
      errors: raw.errors,
      errorSamples: raw.errorSamples,
      resets: 0,
      excluded: this.#clients - n,
      messageBytes: null,
    };
  }

  stop(): void {
    this.#fleet.stop();
  }
}
