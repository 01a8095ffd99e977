import type { IncomingMessage } from 'node:http';
import { type RawData, type ServerOptions, type WebSocket, WebSocketServer } from 'ws';
import type { ServerFrame } from '../../../protocol/wire.ts';
import { ERRORS, type ErrorCode, PushraceError } from '../../errors.ts';
import { wsMessageFrame } from '../../feed/encode.ts';
import { tokenMatches } from '../../http/access.ts';
import { abortHandshake } from '../../http/error-response.ts';
import { parseAfter, parseEpoch } from '../../http/query.ts';
import { TokenBucket } from '../../publish/rate-limit.ts';
import { flowFollow } from '../shared/flow.ts';
import type { Transport } from '../transport.ts';
import { startHeartbeat } from './heartbeat.ts';
import { sendFrame } from './send-frame.ts';

/** Close code sent to every client when the server goes away (RFC 6455 "going away"). */
const GOING_AWAY = 1001;
/** Policy violation: a client that keeps publishing over its rate limit. */
const POLICY = 1008;
/** "Try again later": the client did not read its send buffer down in time. */
const TRY_AGAIN_LATER = 1013;
/** After a close frame the peer may never read (it is stuck), the socket is cut this much later. */
const CLOSE_GRACE_MS = 1000;

const sendJson = (ws: WebSocket, frame: ServerFrame) => ws.send(JSON.stringify(frame));

/** What a connection knows about its client. */
interface Peer {
  ip: string;
  bucket: TokenBucket;
  /** May publish: no token configured, a valid `?token=`, or a valid `auth` frame. */
  authorized: boolean;
  /** Consecutive publishes refused by the rate limit. */
  strikes: number;
}

/**
 * WebSocket: one connection both ways. A `hello` frame, then one text frame per message;
 * `publish` frames are answered with `ack` (after the message itself has gone out, since
 * the feed notifies before it resolves). A bad frame gets an `error` frame and the
 * connection stays open; a frame over `maxPayload` closes it with 1009 (done by ws). Dead
 * peers are found by the heartbeat, slow readers by the bounded send buffer (flow.ts), and a
 * client that keeps publishing over its limit is closed with 1008.
 */
export const websocket: Transport = {
  name: 'ws',
  path: '/ws',
  mount({ upgrade, feed, config, counters, publisher, observer }) {
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
    const heartbeat = startHeartbeat(wss, config.wsHeartbeatMs, () => {
      log.info({ event: 'dead-peer', transport: 'ws' }, 'no pong within two heartbeats; terminated');
    });

    upgrade(this.path, (req, socket, head) => {
      const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const query = (key: string) => {
        const all = params.getAll(key);
        return all.length > 1 ? all : all[0];
      };
      let after: number | undefined;
      let epoch: string | undefined;
      try {
        after = parseAfter(query('after'));
        epoch = parseEpoch(query('epoch'));
      } catch (err) {
        const e = err as PushraceError;
        abortHandshake(socket, e.code, e.message);
        return;
      }
      const token = params.get('token') ?? undefined;
      if (token !== undefined && !tokenMatches(token, config.publishToken)) {
        observer.violation('unauthorized', { transport: 'ws', ip: req.socket.remoteAddress });
        abortHandshake(socket, 'UNAUTHORIZED', 'the token is not valid');
        return;
      }
      const authorized = config.publishToken === '' || token !== undefined;
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req, after, epoch, authorized));
    });

    function onConnection(
      ws: WebSocket,
      req: IncomingMessage,
      after: number | undefined,
      epoch: string | undefined,
      authorized: boolean,
    ) {
      const peer: Peer = {
        ip: req.socket.remoteAddress ?? 'unknown',
        bucket: new TokenBucket(config.publishRate),
        authorized,
        strikes: 0,
      };
      const openedAt = Date.now();
      heartbeat.track(ws);
      log.debug({ event: 'connect', transport: 'ws', ip: peer.ip });
      const stop = flowFollow(
        feed,
        { after, epoch, pageSize: config.readLimit, bound: config.sendBufferBytes, stallMs: config.slowConsumerMs },
        // Methods, not arrow properties: one set per connection, and methods need no name of their own.
        {
          start(h) {
            sendJson(ws, { type: 'hello', ...h });
          },
          message(m) {
            sendFrame(ws, wsMessageFrame(m));
            counters.delivered++;
          },
          queued() {
            return ws.bufferedAmount;
          },
          paused() {
            metrics.drop('ws', 'paused');
          },
          stalled() {
            metrics.drop('ws', 'closed');
            observer.violations.report('slow_consumer', { transport: 'ws', ip: peer.ip });
            closeHard(ws, TRY_AGAIN_LATER, 'send buffer full');
          },
          error() {
            ws.close(1011, 'feed unavailable');
          },
        },
      );
      ws.on('close', (code: number) => {
        stop();
        metrics.close('ws', code);
        log.debug({ event: 'disconnect', transport: 'ws', ip: peer.ip, code, ms: Date.now() - openedAt });
      });
      ws.on('error', (err: Error & { code?: string }) => {
        // ws closes the connection itself (1007 bad UTF-8, 1009 too big, 1002 protocol);
        // the 'close' handler above releases the subscription.
        observer.violation('protocol', { transport: 'ws', ip: peer.ip, code: err.code });
      });
      // Frames are handled one after another, so replies (acks, errors) keep the frames' order.
      let previous: Promise<void> = Promise.resolve();
      ws.on('message', (data: RawData, isBinary: boolean) => {
        previous = previous.then(() => onFrame(ws, data, isBinary, peer));
      });
    }

    /** Sends a close frame, and cuts the socket if the peer has not completed the close soon. */
    function closeHard(ws: WebSocket, code: number, reason: string) {
      ws.close(code, reason);
      setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
    }

    async function onFrame(ws: WebSocket, data: RawData, isBinary: boolean, peer: Peer): Promise<void> {
      if (isBinary) return sendError(ws, 'UNSUPPORTED_FRAME');
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return sendError(ws, 'BAD_FRAME', 'the frame is not valid JSON');
      }
      if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return sendError(ws, 'BAD_FRAME');
      const { type, ...rest } = frame as Record<string, unknown>;
      const id = typeof rest.id === 'string' ? rest.id : null;
      if (type === 'auth') {
        const token = typeof rest.token === 'string' ? rest.token : undefined;
        if (config.publishToken !== '' && tokenMatches(token, config.publishToken)) peer.authorized = true;
        else if (config.publishToken !== '') {
          observer.violation('unauthorized', { transport: 'ws', ip: peer.ip, frame: 'auth' });
          return sendError(ws, 'UNAUTHORIZED', 'the token is not valid');
        }
        return;
      }
      if (type !== 'publish') return sendError(ws, 'BAD_FRAME', `unknown frame type ${JSON.stringify(type)}`, id);
      if (!peer.authorized) {
        observer.violation('unauthorized', { transport: 'ws', ip: peer.ip, frame: 'publish' });
        return sendError(ws, 'UNAUTHORIZED', undefined, id);
      }
      publisher.publish(rest, { ip: peer.ip, bucket: peer.bucket }).then(
        ({ message, duplicate }) => {
          peer.strikes = 0;
          if (ws.readyState !== ws.OPEN) return;
          sendJson(
            ws,
            duplicate ? { type: 'ack', id, seq: message.seq, duplicate: true } : { type: 'ack', id, seq: message.seq },
          );
        },
        (err: unknown) => {
          if (!(err instanceof PushraceError)) return sendError(ws, 'INTERNAL', ERRORS.INTERNAL.message, id);
          sendError(ws, err.code, err.message, id);
          if (err.code !== 'RATE_LIMITED') return;
          if (++peer.strikes >= config.wsMaxRateStrikes && ws.readyState === ws.OPEN) {
            observer.violation('rate_limit_close', { transport: 'ws', ip: peer.ip });
            closeHard(ws, POLICY, 'publish rate limit exceeded repeatedly');
          }
        },
      );
    }

    function sendError(ws: WebSocket, code: ErrorCode, message: string = ERRORS[code].message, id?: string | null) {
      if (ws.readyState !== ws.OPEN) return;
      sendJson(ws, id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id });
    }

    return {
      async close() {
        heartbeat.stop();
        for (const ws of wss.clients) closeHard(ws, GOING_AWAY, 'server shutting down');
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      },
    };
  },
};
