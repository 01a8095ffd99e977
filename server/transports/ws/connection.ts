import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { FeedMessage, Hello, ServerFrame } from '../../../protocol/wire.ts';
import type { Config } from '../../config.ts';
import { wsMessageFrame } from '../../feed/encode.ts';
import type { Feed } from '../../feed/feed.ts';
import type { TransportCounters } from '../../observe/stats.ts';
import { abandon } from '../shared/abandon.ts';
import { type FlowSink, flowFollow, streamFlow } from '../shared/flow.ts';
import type { SendBudget } from '../shared/send-budget.ts';
import { passes, type SourceFilter } from '../shared/source-filter.ts';
import { ClientFrames, type FrameDeps, type FrameHost, type Peer, POLICY } from './client-frames.ts';
import { sendFrame, wsSocket } from './send-frame.ts';

/** Close code sent to every client when the server goes away (RFC 6455 "going away"). */
export const GOING_AWAY = 1001;
/** "Try again later": the client did not read its send buffer down in time. */
const TRY_AGAIN_LATER = 1013;
/** After a close frame the peer may never read (it is stuck), the socket is cut this much later. */
const CLOSE_GRACE_MS = 1000;

/**
 * Sends a close frame, and cuts the socket if the peer has not completed the close soon: a peer
 * that did not read its close frame is not reading at all (see `abandon`).
 */
export function closeHard(ws: WebSocket, code: number, reason: string): void {
  ws.close(code, reason);
  setTimeout(() => {
    if (ws.readyState === ws.CLOSED) return;
    const socket = wsSocket(ws);
    if (socket) abandon(socket);
    else ws.terminate();
  }, CLOSE_GRACE_MS).unref();
}

/** What every connection of the transport shares. */
export interface Shared extends FrameDeps {
  config: Config;
  feed: Feed;
  counters: TransportCounters;
  budget: SendBudget;
}

/**
 * One client's connection: the feed flowing out (it is the flow's sink) and the client's frames
 * coming in (it is their host). A class: one lives per connected client, and prototype methods
 * cost a connection nothing. The socket's first error or close stops the flow at once, so a
 * fan-out never writes to a dead socket again (each such write would make an error to throw away).
 */
export class WsConnection implements FlowSink, FrameHost {
  readonly ws: WebSocket;
  readonly peer: Peer;
  readonly #shared: Shared;
  readonly #frames: ClientFrames;
  readonly #stop: () => void;
  readonly #filter: SourceFilter;
  #gone = false;

  constructor(
    ws: WebSocket,
    socket: Duplex,
    peer: Peer,
    from: { after?: number; epoch?: string; sources?: SourceFilter },
    shared: Shared,
  ) {
    this.ws = ws;
    this.peer = peer;
    this.#filter = from.sources;
    this.#shared = shared;
    this.#frames = new ClientFrames(this, shared);
    this.#stop = flowFollow(shared.feed, streamFlow(from, shared.config, shared.budget), this);
    socket.once('error', () => this.gone());
    socket.once('close', () => this.gone());
    ws.on('message', (data, binary) => this.#frames.push(data, binary));
  }

  /** The socket failed or closed: nothing more is written to it. */
  gone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#stop();
  }

  reply(frame: ServerFrame): void {
    if (!this.#gone && this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(frame));
  }

  strikeOut(reason: string): void {
    // Read nothing more from a client being thrown out, then say why and cut it.
    this.ws.pause();
    closeHard(this.ws, POLICY, reason);
  }

  // ---- FlowSink: the feed going out ----

  start(hello: Hello): void {
    this.reply({ type: 'hello', ...hello, instance: this.#shared.config.instance });
  }

  message(m: FeedMessage): void {
    if (this.#gone || !passes(this.#filter, m)) return;
    if (sendFrame(this.ws, wsMessageFrame(m))) this.#shared.counters.delivered++;
  }

  queued(): number {
    return this.ws.bufferedAmount;
  }

  paused(): void {
    this.#shared.observer.metrics.drop('ws', 'paused');
  }

  stalled(): void {
    const { observer } = this.#shared;
    observer.metrics.drop('ws', 'closed');
    observer.violations.report('slow_consumer', { transport: 'ws', ip: this.peer.ip });
    closeHard(this.ws, TRY_AGAIN_LATER, 'send buffer full');
  }

  error(): void {
    this.ws.close(1011, 'feed unavailable');
  }
}
