import { Server as Engine, type ServerOptions as EngineOptions } from 'engine.io';
import { Server } from 'socket.io';
import { PROTOCOL_DEFAULTS } from '../../../protocol/defaults.ts';
import { PushraceError } from '../../errors.ts';
import { ownAliasOrigin } from '../../http/cors.ts';
import { sendError } from '../../http/error-response.ts';
import type { MountedTransport, Transport, TransportHost } from '../transport.ts';
import { SioConnection, type SioShared } from './connection.ts';
import { readAuth, type SioStart, sioOriginAllowed } from './handshake.ts';
import { servePublish } from './publish.ts';

/** socket.io's default path, where its client looks first. */
export const SOCKETIO_PATH = '/socket.io/';

/**
 * The engine.io options: both transports (polling first, upgrading to websocket, as socket.io
 * ships), no compression (the meter counts what the feed's bytes cost, and parses them), no
 * cookie, and incoming packets bounded like WebSocket frames. Pings stay socket.io's own
 * (every 25 s, 20 s to answer): their cost is part of what the race shows.
 */
function engineOptions(host: TransportHost): EngineOptions {
  const { config } = host;
  return {
    transports: ['polling', 'websocket'],
    allowUpgrades: true,
    httpCompression: false,
    perMessageDeflate: false,
    cookie: false,
    maxHttpBufferSize: config.wsMaxPayload,
    pingInterval: PROTOCOL_DEFAULTS.socketioPingIntervalMs,
    pingTimeout: PROTOCOL_DEFAULTS.socketioPingTimeoutMs,
    // Every request has passed the front door already; here only the Origin remains, checked
    // on the handshake (engine.io asks once per session and for the upgrade).
    allowRequest: (req, callback) => callback(null, sioOriginAllowed(req, config.allowedOrigins)),
  };
}

/**
 * socket.io 4 in the race: one `socket.io` server on the one HTTP server at `/socket.io/`,
 * both of its transports, fed from the same feed with the same cursor rules. engine.io is
 * attached by hand, not by `io.attach(httpServer)`: its requests and upgrades come through
 * the server's own dispatch, after the front door (Host, caps, header count, handshake shape)
 * and the upgrade's Origin check, so socket.io bypasses none of them. Each feed message is a
 * `message` event whose argument is the usual envelope; a `hello` event starts each connection
 * (a reset in it when the cursor could not be honoured); `publish` events are acknowledged.
 */
export const socketio: Transport = {
  name: 'socketio',
  path: SOCKETIO_PATH,
  mount(host: TransportHost): MountedTransport {
    const { feed, config, counters, publisher, observer, budget } = host;
    const { log, metrics } = observer;
    const shared: SioShared = { feed, config, counters, budget, observer };
    const engine = new Engine(engineOptions(host));
    // The 101 and every polling answer name the instance, like every other answer.
    engine.on('headers', (headers: Record<string, string>) => {
      headers['X-Pushrace-Instance'] = config.instance;
    });
    const io = new Server({ serveClient: false, path: SOCKETIO_PATH });
    io.bind(engine);

    io.use((socket, next) => {
      const start = readAuth(socket.handshake.auth, config.publishToken);
      if (start instanceof PushraceError) {
        if (start.code === 'UNAUTHORIZED') {
          observer.violation('unauthorized', { transport: 'socketio', ip: socket.handshake.address });
        }
        const err = new Error(start.message) as Error & { data: { code: string } };
        err.data = { code: start.code };
        return next(err);
      }
      socket.data = start;
      next();
    });

    io.on('connection', (socket) => {
      // Set by the middleware above, which refuses every connection it could not read.
      const start = socket.data as SioStart;
      const openedAt = Date.now();
      const ip = socket.handshake.address;
      log.debug({ event: 'connect', transport: 'socketio', ip, via: socket.conn.transport.name });
      const connection = new SioConnection(socket, start.from, shared);
      servePublish(socket, publisher, config.publishRate, start.authorized);
      socket.on('disconnect', (reason: string) => {
        connection.gone();
        metrics.close('socketio', 'end');
        log.debug({ event: 'disconnect', transport: 'socketio', ip, reason, ms: Date.now() - openedAt });
      });
    });

    host.request(SOCKETIO_PATH, (req, res) => {
      if (!sioOriginAllowed(req, config.allowedOrigins)) {
        observer.violation('forbidden_origin', { ip: req.socket.remoteAddress, origin: req.headers.origin });
        return sendError(res, 'FORBIDDEN_ORIGIN', {
          message: `Origin ${req.headers.origin} may not use socket.io here`,
        });
      }
      // A dashboard tab polls from its own loopback name (cross-origin): as on the read routes.
      const { origin, host: hostHeader } = req.headers;
      if (origin !== undefined && ownAliasOrigin(origin, hostHeader))
        res.setHeader('Access-Control-Allow-Origin', origin);
      engine.handleRequest(req, res);
    });
    host.upgrade(SOCKETIO_PATH, (req, socket, head) => engine.handleUpgrade(req, socket, head));

    return {
      async close() {
        // engine.io closes every session discarding what is queued (a polling session would
        // otherwise wait 30 s for a GET to hand its close packet to); each socket.io socket
        // then sees its 'disconnect'.
        engine.close();
      },
    };
  },
};
