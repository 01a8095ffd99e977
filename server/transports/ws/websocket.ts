import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ServerOptions, type WebSocket, WebSocketServer } from 'ws';
import type { FeedMessage, Hello, ServerFrame } from '../../../protocol/wire.ts';
import type { Config } from '../../config.ts';
import type { PushraceError } from '../../errors.ts';
import { wsMessageFrame } from '../../feed/encode.ts';
import type { Feed } from '../../feed/feed.ts';
import { STREAM_PAGE } from '../../feed/follow.ts';
import { tokenMatches } from '../../http/access.ts';
import { abortHandshake, instanceHeader } from '../../http/error-response.ts';
import { parseAfter, parseEpoch } from '../../http/query.ts';
import type { TransportCounters } from '../../observe/stats.ts';
import { TokenBucket } from '../../publish/rate-limit.ts';
import { abandon } from '../shared/abandon.ts';
import { type FlowSink, flowFollow } from '../shared/flow.ts';
import type { SendBudget } from '../shared/send-budget.ts';
import type { Transport, TransportHost } from '../transport.ts';
import { ClientFrames, type FrameDeps, type FrameHost, type Peer, POLICY } from './client-frames.ts';
import { startHeartbeat } from './heartbeat.ts';
import { sendFrame, wsSocket } from './send-frame.ts';

/** Close code sent to every client when the server goes away (RFC 6455 "going away"). */
const GOING_AWAY = 1001;
/** "Try again later": the client did not read its send buffer down in time. */
const TRY_AGAIN_LATER = 1013;
/** After a close frame the peer may never read (it is stuck), the socket is cut this much later. */
const CLOSE_GRACE_MS = 1000;

/**
 * Sends a close frame, and cuts the socket if the peer has not completed the close soon: a peer
 * that did not read its close frame is not reading at all (see `abandon`).
 */
function closeHard(ws: WebSocket, code: number, reason: string): void {
  ws.close(code, reason);
  setTimeout(() => {
    if (ws.readyState === ws.CLOSED) return;
    const socket = wsSocket(ws);
    if (socket) abandon(socket);
    else ws.terminate();
  }, CLOSE_GRACE_MS).unref();
}

/** What every connection of the transport shares. */
interface Shared extends FrameDeps {
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
class WsConnection implements FlowSink, FrameHost {
  readonly ws: WebSocket;
  readonly peer: Peer;
  readonly #shared: Shared;
  readonly #frames: ClientFrames;
  readonly #stop: () => void;
  #gone = false;

  constructor(ws: WebSocket, socket: Duplex, peer: Peer, from: { after?: number; epoch?: string }, shared: Shared) {
    this.ws = ws;
    this.peer = peer;
    this.#shared = shared;
    this.#frames = new ClientFrames(this, shared);
    const { config } = shared;
    this.#stop = flowFollow(
      shared.feed,
      {
        ...from,
        pageSize: STREAM_PAGE,
        bound: config.sendBufferBytes,
        stallMs: config.slowConsumerMs,
        budget: shared.budget,
      },
      this,
    );
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
    if (!this.#gone && sendFrame(this.ws, wsMessageFrame(m))) this.#shared.counters.delivered++;
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

/** The query of an upgrade: the resume point and the token, or the refusal of a bad one. */
function upgradeQuery(
  req: IncomingMessage,
): { from: { after?: number; epoch?: string }; token: string | undefined } | PushraceError {
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const query = (key: string) => {
    const all = params.getAll(key);
    return all.length > 1 ? all : all[0];
  };
  try {
    const after = parseAfter(query('after'));
    const epoch = parseEpoch(query('epoch'));
    const from: { after?: number; epoch?: string } = {};
    if (after !== undefined) from.after = after;
    if (epoch !== undefined) from.epoch = epoch;
    return { from, token: params.get('token') ?? undefined };
  } catch (err) {
    return err as PushraceError;
  }
}

/**
 * WebSocket: one connection both ways. A `hello` frame, then one text frame per message;
 * `publish` frames are answered with `ack` (after the message itself has gone out, since
 * the feed notifies before it resolves). A bad frame gets an `error` frame and the
 * connection stays open, until too many come in a row (client-frames.ts); a frame over
 * `maxPayload` closes it with 1009 (done by ws). Dead peers are found by the heartbeat, slow
 * readers by the bounded send buffer (flow.ts).
 */
export const websocket: Transport = {
  name: 'ws',
  path: '/ws',
  mount(host: TransportHost) {
    const { upgrade, feed, config, counters, publisher, observer, budget } = host;
    const { log, metrics } = observer;
    // maxFragments and maxBufferedChunks exist in ws ≥ 8.18 but not in @types/ws yet.
    const options: ServerOptions & { maxFragments: number; maxBufferedChunks: number } = {
      noServer: true,
      perMessageDeflate: false,
      maxPayload: config.wsMaxPayload,
      maxFragments: config.wsMaxFragments,
      maxBufferedChunks: config.wsMaxBufferedChunks,
      clientTracking: true,
    };
    const wss = new WebSocketServer(options);
    // The 101 names the instance too, like every other answer.
    wss.on('headers', (headers: string[]) => headers.push(`X-Pushrace-Instance: ${config.instance}`));
    const heartbeat = startHeartbeat(wss, config.wsHeartbeatMs, () => {
      log.info({ event: 'dead-peer', transport: 'ws' }, 'no pong within two heartbeats; terminated');
    });
    const shared: Shared = { feed, counters, budget, config, publisher, observer };

    upgrade(this.path, (req, socket, head) => {
      const query = upgradeQuery(req);
      const named = instanceHeader(config.instance);
      if (!('from' in query)) return abortHandshake(socket, query.code, query.message, named);
      const { from, token } = query;
      if (token !== undefined && !tokenMatches(token, config.publishToken)) {
        observer.violation('unauthorized', { transport: 'ws', ip: req.socket.remoteAddress });
        return abortHandshake(socket, 'UNAUTHORIZED', 'the token is not valid', named);
      }
      const peer: Peer = {
        ip: req.socket.remoteAddress ?? 'unknown',
        bucket: new TokenBucket(config.publishRate),
        authorized: config.publishToken === '' || token !== undefined,
      };
      wss.handleUpgrade(req, socket, head, (ws) => {
        const openedAt = Date.now();
        heartbeat.track(ws);
        log.debug({ event: 'connect', transport: 'ws', ip: peer.ip });
        const connection = new WsConnection(ws, socket, peer, from, shared);
        ws.on('close', (code: number) => {
          connection.gone();
          metrics.close('ws', code);
          log.debug({ event: 'disconnect', transport: 'ws', ip: peer.ip, code, ms: Date.now() - openedAt });
        });
        ws.on('error', (err: Error & { code?: string }) => {
          // ws closes the connection itself (1007 bad UTF-8, 1009 too big, 1002 protocol);
          // the 'close' handler above releases the subscription.
          observer.violation('protocol', { transport: 'ws', ip: peer.ip, code: err.code });
        });
      });
    });

    return {
      async close() {
        heartbeat.stop();
        for (const ws of wss.clients) closeHard(ws, GOING_AWAY, 'server shutting down');
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      },
    };
  },
};
