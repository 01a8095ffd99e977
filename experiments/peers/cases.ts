/**
 * What the peers scenario compares, transport by transport: pushrace first, then the servers it
 * is measured against, each with the raw client that speaks its wire (same message JSON, same
 * `after` cursor where the server has one), and the load shapes (phases) each is measured under.
 */
import type { TransportName } from '../../protocol/wire.ts';
import type { ClientKind } from './clients/fleet.ts';
import type { Phase } from './schema.ts';
import type { PeerServerName } from './servers/index.ts';

/** One server of a comparison and how its clients reach it. */
export interface PeerEntry {
  server: PeerServerName;
  /** For the reader: what this server is. */
  label: string;
  kind: ClientKind;
  /** Path and query of the first request, for clients starting after `head`. */
  path(head: number): string;
}

/**
 * The ablation entry of a case: pushrace's own clients against pushrace without its byte meter
 * (servers/pushrace-unmetered.ts), listed last so that `servers[1]` stays the floor.
 */
export const UNMETERED: PeerServerName = 'pushrace-unmetered';

function withoutMeter(pushrace: PeerEntry): PeerEntry {
  return { ...pushrace, server: UNMETERED, label: 'ablation: pushrace without its byte meter' };
}

/** One transport: its servers (pushrace first, the floor second, the ablation last) and phases. */
export interface PeerCase {
  transport: TransportName;
  phases: readonly Phase[];
  servers: readonly PeerEntry[];
}

const SOCKET_IO = '/socket.io/?EIO=4&transport=';

const WS_PUSHRACE: PeerEntry = { server: 'pushrace', label: 'pushrace', kind: 'ws', path: (h) => `/ws?after=${h}` };
const SSE_PUSHRACE: PeerEntry = {
  server: 'pushrace',
  label: 'pushrace',
  kind: 'sse',
  path: (h) => `/api/sse?after=${h}`,
};
const LONG_POLL_PUSHRACE: PeerEntry = {
  server: 'pushrace',
  label: 'pushrace',
  kind: 'long-poll',
  path: () => '/api/long-poll',
};
const POLL_PUSHRACE: PeerEntry = { server: 'pushrace', label: 'pushrace', kind: 'poll', path: () => '/api/poll' };

/** Every comparison of a peers run, in the order they run. */
export const PEER_CASES: readonly PeerCase[] = [
  {
    transport: 'ws',
    phases: ['paced', 'burst'],
    servers: [
      WS_PUSHRACE,
      {
        server: 'node-ws',
        label: 'floor: ws handshake, one prebuilt frame, socket.write',
        kind: 'ws',
        path: () => '/',
      },
      { server: 'ws-send', label: 'ws, ws.send per client', kind: 'ws', path: () => '/' },
      {
        server: 'socket.io-ws',
        label: 'socket.io 4, websocket only',
        kind: 'socket.io-ws',
        path: () => `${SOCKET_IO}websocket`,
      },
      withoutMeter(WS_PUSHRACE),
    ],
  },
  {
    transport: 'sse',
    phases: ['paced', 'burst'],
    servers: [
      SSE_PUSHRACE,
      { server: 'node-sse', label: 'floor: node:http SSE', kind: 'sse', path: () => '/api/sse' },
      withoutMeter(SSE_PUSHRACE),
    ],
  },
  {
    transport: 'long-poll',
    phases: ['release'],
    servers: [
      LONG_POLL_PUSHRACE,
      {
        server: 'node-long-poll',
        label: 'floor: node:http, held responses',
        kind: 'long-poll',
        path: () => '/api/long-poll',
      },
      { server: 'koa-long-poll', label: 'floor: Koa + @koa/router', kind: 'long-poll', path: () => '/api/long-poll' },
      {
        server: 'socket.io-polling',
        label: 'socket.io 4, polling transport',
        kind: 'socket.io-polling',
        path: () => `${SOCKET_IO}polling`,
      },
      withoutMeter(LONG_POLL_PUSHRACE),
    ],
  },
  {
    transport: 'poll',
    phases: ['requests'],
    servers: [
      POLL_PUSHRACE,
      { server: 'node-poll', label: 'floor: node:http', kind: 'poll', path: () => '/api/poll' },
      { server: 'koa-poll', label: 'floor: Koa + @koa/router', kind: 'poll', path: () => '/api/poll' },
      withoutMeter(POLL_PUSHRACE),
    ],
  },
];
