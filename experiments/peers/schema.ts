/**
 * The peers scenario's part of the results format: its parameters and its payload, inside the
 * envelope every experiment shares (results-schema.ts). pushrace side by side with the floors
 * (what bare node:http, ws, Koa + @koa/router do) and socket.io 4, for each transport: every
 * repetition's window as measured, each server's medians, and pushrace's ratio to each peer.
 * Types are inferred from these schemas.
 */
import { z } from 'zod';
import { TRANSPORT_NAMES } from '../../protocol/wire.ts';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();
const nullable = z.number().nullable();

/** The knobs of a peers run (a full run and `--quick` differ only here). */
export const peersParamsSchema = z.object({
  /** Repetitions of every comparison, in alternating order (A B C, C B A, …). */
  reps: count,
  /** WebSocket and SSE clients per server. */
  streamClients: count,
  /** Paced fan-out: messages a second, evenly spaced, for `pacedMs`. */
  pacedRatePerSec: z.number().positive(),
  pacedMs: ms,
  /** Burst fan-out: `burstSize` messages published at once, `bursts` times. */
  burstSize: count,
  bursts: count,
  /** Long-polls held per server; each publish releases them all and they ask again. */
  longPollClients: count,
  releaseRatePerSec: z.number().positive(),
  releaseMs: ms,
  /** Interval polling: clients, the wait after each answer, messages a second, window. */
  pollClients: count,
  pollIntervalMs: ms,
  pollRatePerSec: z.number().nonnegative(),
  pollMs: ms,
  quick: z.boolean(),
});

/** One server, one repetition, one phase: what the window measured. */
const peerWindow = z.object({
  /** Repetition index; windows of the same `rep` are paired for ratios. */
  rep: count,
  /** Position of this server in its repetition's order (0 = first). */
  position: count,
  /** From the first publish (or the start of polling) to the last delivery, ms. */
  wallMs: ms,
  /** Deliveries (message × client) for fan-outs and long-poll, answered requests for polling. */
  ops: count,
  /** The server process's CPU in the window: every thread's schedstat, ms. */
  serverCpuMs: ms,
  /** `serverCpuMs / ops`, µs; null without ops. */
  cpuUsPerOp: nullable,
  /** Delivery latency (publish `ts` → receive) or, for polling, request round trip, ms. */
  latency: z.object({ p50: ms, p99: ms, count }).nullable(),
  /** (RSS with the clients connected − RSS before) / clients, read from /proc; null when unknown. */
  rssPerConnectionBytes: nullable,
  /** Clients that reached their steady state. */
  clients: count,
  requests: count,
  /** Summed over clients; must be 0. */
  lost: count,
  duplicated: count,
  /** Clients that lost anything: lost = 0 is checked per client. */
  clientsWithLoss: count,
  errors: count,
  /** The load processes' CPU in the window, ms. */
  clientCpuMs: ms,
  /** How busy the load core was (all its processes), percent; null off Linux. */
  clientCoreBusyPercent: nullable,
  /** The load core was ≥ 90 % busy: latencies measure the client, and are not to be trusted. */
  clientSaturated: z.boolean(),
  /** CPU that other processes took on the server's core during the window, ms; null off Linux. */
  othersOnServerCoreMs: nullable,
  /** Time the hypervisor took from the server's core, ms; null off Linux. */
  stealMs: nullable,
  /** Others or steal above the threshold: the window's figures are noisier than the rest. */
  disturbed: z.boolean(),
});

/** pushrace's figure over a peer's, per paired repetition, summarized. */
const ratioStat = z.object({
  median: z.number(),
  min: z.number(),
  max: z.number(),
  /** Pairs the median is over: the undisturbed ones when there are any, else all. */
  pairs: count,
  /** Whether those pairs are all undisturbed. */
  clean: z.boolean(),
});

/** One server's windows and medians. */
const peerServer = z.object({
  /** Name in experiments/peers/servers (`pushrace`, `node-ws`, `socket.io-ws`, …). */
  server: z.string(),
  /** What it is, for the reader: `bare node:http`, `socket.io 4 (websocket only)`. */
  label: z.string(),
  windows: z.array(peerWindow),
  median: z.object({ cpuUsPerOp: nullable, p50: nullable, p99: nullable, rssPerConnectionBytes: nullable }),
});

/** pushrace against one peer. */
const peerRatio = z.object({
  against: z.string(),
  cpu: ratioStat.nullable(),
  p99: ratioStat.nullable(),
  rss: ratioStat.nullable(),
});

/** One transport and load shape, every server measured under it (the scale scenario's runs carry some too). */
export const comparisonSchema = z.object({
  transport: z.enum(TRANSPORT_NAMES),
  /** paced / burst fan-out, long-poll release and re-request, interval polling. */
  phase: z.enum(['paced', 'burst', 'release', 'requests']),
  /** What one operation is: CPU per op divides by these. */
  op: z.enum(['delivery', 'request']),
  /** e.g. `ws fan-out, 2000 clients × 20 msg/s`. */
  label: z.string(),
  clients: count,
  /** pushrace first. */
  servers: z.array(peerServer).min(1),
  ratios: z.array(peerRatio),
});

/** What a peers run measured: the `peers` field of its results. */
export const peersSchema = z.object({
  comparisons: z.array(comparisonSchema).min(1),
  /** Servers on core 0, clients and harness on core 1 (taskset); false: nothing was pinned. */
  pinned: z.boolean(),
  totalWindows: count,
  disturbedWindows: count,
});

export type PeersParams = z.infer<typeof peersParamsSchema>;
export type PeersPayload = z.infer<typeof peersSchema>;
export type PeerWindow = z.infer<typeof peerWindow>;
export type PeerServerResult = z.infer<typeof peerServer>;
export type PeerRatio = z.infer<typeof peerRatio>;
export type RatioStat = z.infer<typeof ratioStat>;
export type Comparison = z.infer<typeof comparisonSchema>;
export type Phase = Comparison['phase'];
