import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { FeedMessage, Hello, ServerFrame } from '../../../protocol/wire.ts';
import type { Config } from '../../config.ts';
import { wsMessageFrame } from '../../feed/encode.ts';
import type { Feed } from '../../feed/feed.ts';
import type { Following } from '../../feed/follow.ts';
import type { TransportCounters } from '../../observe/stats.ts';
import type { TokenBucket } from '../../publish/rate-limit.ts';
import { abandon } from '../shared/abandon.ts';
import { type FlowSink, startFlow, streamFlow } from '../shared/flow.ts';
import type { SendBudget } from '../shared/send-budget.ts';
import { passes, type SourceFilter } from '../shared/source-filter.ts';
import { ClientFrames, type FrameDeps, type FrameHost, type Peer, POLICY } from './client-frames.ts';
import { directSocket, sendDirect, sendFrame, wsSocket } from './send-frame.ts';

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

/** What every connection of one endpoint shares: the transport's, and the endpoint's path. */
export interface EndpointShared extends Shared {
  path: string;
  /** The endpoint's open WebSockets (for its heartbeat and shutdown): each connection is in it from its start to its 'close'. */
  clients: Set<WebSocket>;
  /** Told when `clients` empties (shutdown waits for it). */
  emptied?: () => void;
}

/** Where a connection is found from its WebSocket and its socket, by the listeners they share. */
const CONNECTION = Symbol('pushrace.wsConnection');

/** A WebSocket or socket with its connection. */
interface Owned {
  [CONNECTION]?: WsConnection;
}

/**
 * One client's connection: the feed flowing out (it is the flow's sink), the client's frames
 * coming in (it is their host) and what it knows of its client (it is the `Peer`). A class:
 * one lives per connected client, and prototype methods cost a connection nothing; its
 * listeners are the same functions for every connection (static, below: they find the
 * connection from the emitter they are called on), so it holds no closure either, and its
 * frame handler and rate-limit bucket are made only when the client first sends a frame or
 * publishes. The socket's first error or close stops the flow at once, so a fan-out never
 * writes to a dead socket again (each such write would make an error to throw away).
 */
export class WsConnection implements FlowSink, FrameHost, Peer {
  readonly ws: WebSocket;
  readonly ip: string;
  authorized: boolean;
  bucket: TokenBucket | undefined;
  readonly #shared: EndpointShared;
  #frames: ClientFrames | undefined;
  readonly #flow: Following;
  readonly #filter: SourceFilter;
  /** ws's socket, looked up once (see `sendFrame`). */
  readonly #socket: Socket | undefined;
  /** The same socket when frames are written to it directly (see `directSocket`), settled by the handshake. */
  readonly #direct: Socket | undefined;
  readonly #openedAt = Date.now();
  #gone = false;

  constructor(
    ws: WebSocket,
    socket: Duplex,
    peer: { ip: string; authorized: boolean },
    from: { after?: number; epoch?: string; sources?: SourceFilter },
    shared: EndpointShared,
  ) {
    this.ws = ws;
    this.ip = peer.ip;
    this.authorized = peer.authorized;
    this.#filter = from.sources;
    this.#socket = wsSocket(ws);
    this.#direct = this.#socket !== undefined ? directSocket(ws) : undefined;
    this.#shared = shared;
    shared.clients.add(ws);
    (ws as WebSocket & Owned)[CONNECTION] = this;
    (socket as Duplex & Owned)[CONNECTION] = this;
    // One listener for both (gone() runs once), and `on` rather than `once`: no wrapper each.
    socket.on('error', WsConnection.#onSocketGone);
    socket.on('close', WsConnection.#onSocketGone);
    ws.on('message', WsConnection.#onMessage);
    ws.on('close', WsConnection.#onClose);
    ws.on('error', WsConnection.#onError);
    this.#flow = startFlow(shared.feed, streamFlow(from, shared.config, shared.budget), this);
  }

  // The listeners, called with their emitter as `this`.

  static readonly #onSocketGone = function (this: Duplex & Owned): void {
    this[CONNECTION]?.gone();
  };

  static readonly #onMessage = function (this: WebSocket & Owned, data: RawData, binary: boolean): void {
    const connection = this[CONNECTION];
    if (connection === undefined) return;
    connection.#frames ??= new ClientFrames(connection, connection.#shared);
    connection.#frames.push(data, binary);
  };

  static readonly #onClose = function (this: WebSocket & Owned, code: number): void {
    const connection = this[CONNECTION];
    if (connection === undefined) return;
    connection.gone();
    const { observer, path, clients } = connection.#shared;
    if (clients.delete(this) && clients.size === 0) connection.#shared.emptied?.();
    observer.metrics.close('ws', code);
    observer.log.debug({
      event: 'disconnect',
      transport: 'ws',
      path,
      ip: connection.ip,
      code,
      ms: Date.now() - connection.#openedAt,
    });
  };

  static readonly #onError = function (this: WebSocket & Owned, err: Error & { code?: string }): void {
    // ws closes the connection itself (1007 bad UTF-8, 1009 too big, 1002 protocol);
    // the 'close' listener releases the subscription.
    const connection = this[CONNECTION];
    if (connection === undefined) return;
    connection.#shared.observer.violation('protocol', { transport: 'ws', ip: connection.ip, code: err.code });
  };

  /** The client, as the frame handler sees it: the connection itself. */
  get peer(): Peer {
    return this;
  }

  /** The socket failed or closed: nothing more is written to it. */
  gone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#flow.stop();
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
    const direct = this.#direct;
    const sent =
      direct !== undefined
        ? sendDirect(this.ws, direct, wsMessageFrame(m))
        : sendFrame(this.ws, wsMessageFrame(m), this.#socket);
    if (sent) this.#shared.counters.delivered++;
  }

  queued(): number {
    return this.#direct !== undefined ? this.#direct.writableLength : this.ws.bufferedAmount;
  }

  paused(): void {
    this.#shared.observer.metrics.drop('ws', 'paused');
  }

  stalled(): void {
    const { observer } = this.#shared;
    observer.metrics.drop('ws', 'closed');
    observer.violations.report('slow_consumer', { transport: 'ws', ip: this.ip });
    closeHard(this.ws, TRY_AGAIN_LATER, 'send buffer full');
  }

  error(): void {
    this.ws.close(1011, 'feed unavailable');
  }
}
