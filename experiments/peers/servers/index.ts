/**
 * Every server the peers scenario can start, by name: pushrace and the floors. Loaded lazily,
 * so each server process holds only its own server's code (pushrace's never loads socket.io).
 */
import type { StartPeer } from './server.ts';

type Loader = () => Promise<{ start: StartPeer }>;

/** Server name → its module. */
export const PEER_SERVERS = {
  pushrace: () => import('./pushrace.ts'),
  'pushrace-unmetered': () => import('./pushrace-unmetered.ts'),
  'node-ws': () => import('./node-ws.ts'),
  'ws-send': () => import('./ws-send.ts'),
  'socket.io-ws': () => import('./socketio-ws.ts'),
  'node-sse': () => import('./node-sse.ts'),
  'node-long-poll': () => import('./node-long-poll.ts'),
  'koa-long-poll': () => import('./koa-long-poll.ts'),
  'socket.io-polling': () => import('./socketio-polling.ts'),
  'node-poll': () => import('./node-poll.ts'),
  'koa-poll': () => import('./koa-poll.ts'),
} satisfies Record<string, Loader>;

export type PeerServerName = keyof typeof PEER_SERVERS;

/** Whether `name` is a known server. */
export function isPeerServer(name: string): name is PeerServerName {
  return Object.hasOwn(PEER_SERVERS, name);
}

export type { PeerServer, StartPeer } from './server.ts';
