import { longPoll } from './long-poll/long-poll.ts';
import { poll } from './poll.ts';
import { socketio } from './socketio/socketio.ts';
import { sse } from './sse.ts';
import type { Transport } from './transport.ts';
import { websocket } from './ws/websocket.ts';

/** Every transport the server offers, by wire name. Adding one is one file and one line here. */
export const TRANSPORTS: readonly Transport[] = [poll, longPoll, sse, websocket, socketio];

export type { MountedTransport, Transport, TransportHost } from './transport.ts';
