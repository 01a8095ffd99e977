import type { IncomingMessage } from 'node:http';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { ServerFrame } from '../../protocol/wire.ts';
import { ERRORS, PushraceError } from '../errors.ts';
import { wsMessagePayload } from '../feed/encode.ts';
import { follow } from '../feed/follow.ts';
import { parseAfter, parseEpoch } from '../query.ts';
import { TokenBucket } from '../rate-limit.ts';
import { rejectUpgrade } from '../upgrade.ts';
import type { Transport } from './transport.ts';

/** Close code sent to every client when the server goes away (RFC 6455 "going away"). */
const GOING_AWAY = 1001;

const sendFrame = (ws: WebSocket, frame: ServerFrame) => ws.send(JSON.stringify(frame));

/**
 * WebSocket: one connection both ways. A `hello` frame, then one text frame per message;
 * `publish` frames are answered with `ack` (after the message itself has gone out, since
 * the feed notifies before it resolves). A bad frame gets an `error` frame and the
 * connection stays open; a frame over `maxPayload` closes it with 1009 (done by ws).
 */
export const websocket: Transport = {
  name: 'ws',
  path: '/ws',
  mount({ upgrade, feed, config, counters, publisher }) {
    const wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: config.wsMaxPayload,
      clientTracking: true,
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
        rejectUpgrade(socket, e.code, e.message);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req, after, epoch));
    });

    function onConnection(ws: WebSocket, req: IncomingMessage, after: number | undefined, epoch: string | undefined) {
      const ip = req.socket.remoteAddress ?? 'unknown';
      const bucket = new TokenBucket(config.publishRate);
      const stop = follow(
        feed,
        { after, epoch, pageSize: config.readLimit },
        {
          start: (h) => sendFrame(ws, { type: 'hello', ...h }),
          message: (m) => {
            ws.send(wsMessagePayload(m), { binary: false });
            counters.delivered++;
          },
          error: () => ws.close(1011, 'feed unavailable'),
        },
      );
      ws.on('close', stop);
      ws.on('error', () => {
        // ws closes the connection itself (1007 bad UTF-8, 1009 too big, 1002 protocol);
        // the 'close' handler above releases the subscription.
      });
      // Frames are handled one after another, so replies (acks, errors) keep the frames' order.
      let previous: Promise<void> = Promise.resolve();
      ws.on('message', (data: RawData, isBinary: boolean) => {
        previous = previous.then(() => onFrame(ws, data, isBinary, ip, bucket));
      });
    }

    async function onFrame(
      ws: WebSocket,
      data: RawData,
      isBinary: boolean,
      ip: string,
      bucket: TokenBucket,
    ): Promise<void> {
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
      if (type !== 'publish') return sendError(ws, 'BAD_FRAME', `unknown frame type ${JSON.stringify(type)}`, id);
      publisher.publish(rest, { ip, bucket }).then(
        ({ message, duplicate }) => {
          if (ws.readyState !== ws.OPEN) return;
          sendFrame(
            ws,
            duplicate ? { type: 'ack', id, seq: message.seq, duplicate: true } : { type: 'ack', id, seq: message.seq },
          );
        },
        (err: unknown) => {
          if (err instanceof PushraceError) sendError(ws, err.code, err.message, id);
          else sendError(ws, 'INTERNAL', ERRORS.INTERNAL.message, id);
        },
      );
    }

    function sendError(
      ws: WebSocket,
      code: keyof typeof ERRORS,
      message: string = ERRORS[code].message,
      id?: string | null,
    ) {
      if (ws.readyState !== ws.OPEN) return;
      sendFrame(ws, id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id });
    }

    return {
      async close() {
        for (const ws of wss.clients) ws.close(GOING_AWAY, 'server shutting down');
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      },
    };
  },
};
