import type { IncomingMessage } from 'node:http';
import { type ServerOptions, WebSocketServer } from 'ws';
import type { Source } from '../../../protocol/wire.ts';
import { PushraceError } from '../../errors.ts';
import { tokenMatches } from '../../http/access.ts';
import { abortHandshake, instanceHeader } from '../../http/error-response.ts';
import { parseAfter, parseEpoch, parseSources } from '../../http/query.ts';
import type { SourceFilter } from '../shared/source-filter.ts';
import type { MountedTransport, Transport, TransportHost } from '../transport.ts';
import { closeHard, type EndpointShared, GOING_AWAY, type Shared, WsConnection } from './connection.ts';
import { startHeartbeat } from './heartbeat.ts';

/**
 * The channels with a WebSocket endpoint of their own (`/ws/<channel>`): one `ws` server per
 * path on the one HTTP server, routed by the one 'upgrade' listener (the pattern of the
 * tutorials: `noServer: true` and `handleUpgrade` by path).
 */
export const WS_CHANNELS: readonly Source[] = ['chat', 'ticker', 'log'];

/** What an upgrade asks for: where to resume, which channels, and the token if any. */
interface UpgradeQuery {
  from: { after?: number; epoch?: string; sources?: SourceFilter };
  token: string | undefined;
}

/**
 * The query of an upgrade, or the refusal of a bad one. On a channel's own path the channel is
 * the filter, and a `sources` parameter is refused rather than silently ignored.
 */
function upgradeQuery(req: IncomingMessage, channel: Source | undefined): UpgradeQuery | PushraceError {
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const query = (key: string) => {
    const all = params.getAll(key);
    return all.length > 1 ? all : all[0];
  };
  try {
    const after = parseAfter(query('after'));
    const epoch = parseEpoch(query('epoch'));
    const sources = parseSources(query('sources'));
    if (channel !== undefined && sources !== undefined) {
      throw new PushraceError('BAD_SOURCES', `/ws/${channel} carries ${channel} only; use /ws?sources=… for others`);
    }
    const from: UpgradeQuery['from'] = {};
    if (after !== undefined) from.after = after;
    if (epoch !== undefined) from.epoch = epoch;
    const filter = channel === undefined ? sources : new Set([channel]);
    if (filter !== undefined) from.sources = filter;
    return { from, token: params.get('token') ?? undefined };
  } catch (err) {
    if (err instanceof PushraceError) return err;
    throw err;
  }
}

/**
 * One WebSocket endpoint: its own `ws` server (in noServer mode) and heartbeat, handed the
 * upgrades of one path. `channel` fixes its channel; without one, `sources` may choose.
 */
function serveEndpoint(host: TransportHost, shared: Shared, path: string, channel?: Source): MountedTransport {
  const { config, observer } = host;
  const { log } = observer;
  const endpoint: EndpointShared = { ...shared, path, clients: new Set() };
  // maxFragments and maxBufferedChunks exist in ws ≥ 8.18 but not in @types/ws yet.
  const options: ServerOptions & { maxFragments: number; maxBufferedChunks: number } = {
    noServer: true,
    perMessageDeflate: false,
    maxPayload: config.wsMaxPayload,
    maxFragments: config.wsMaxFragments,
    maxBufferedChunks: config.wsMaxBufferedChunks,
    // The connections keep the endpoint's set themselves (`EndpointShared.clients`): ws's
    // tracking would add a closure per client for its own 'close' listener.
    clientTracking: false,
  };
  const wss = new WebSocketServer(options);
  // The 101 names the instance too, like every other answer.
  wss.on('headers', (headers: string[]) => headers.push(`X-Pushrace-Instance: ${config.instance}`));
  const heartbeat = startHeartbeat(endpoint.clients, config.wsHeartbeatMs, () => {
    log.info({ event: 'dead-peer', transport: 'ws', path }, 'no pong within two heartbeats; terminated');
  });

  host.upgrade(path, (req, socket, head) => {
    const named = instanceHeader(config.instance);
    const query = upgradeQuery(req, channel);
    if (query instanceof PushraceError) return abortHandshake(socket, query.code, query.message, named);
    const { from, token } = query;
    if (token !== undefined && !tokenMatches(token, config.publishToken)) {
      observer.violation('unauthorized', { transport: 'ws', ip: req.socket.remoteAddress });
      return abortHandshake(socket, 'UNAUTHORIZED', 'the token is not valid', named);
    }
    const peer = {
      ip: req.socket.remoteAddress ?? 'unknown',
      authorized: config.publishToken === '' || token !== undefined,
    };
    wss.handleUpgrade(req, socket, head, (ws) => {
      heartbeat.track(ws);
      log.debug({ event: 'connect', transport: 'ws', path, ip: peer.ip });
      // It listens to its WebSocket's 'close' (gauge, log) and 'error' (violation) itself.
      new WsConnection(ws, socket, peer, from, endpoint);
    });
  });

  return {
    async close() {
      heartbeat.stop();
      for (const ws of endpoint.clients) closeHard(ws, GOING_AWAY, 'server shutting down');
      // As ws's own tracking would: closed once every client is.
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      if (endpoint.clients.size > 0) await new Promise<void>((resolve) => (endpoint.emptied = resolve));
    },
  };
}

/**
 * WebSocket: one connection both ways. A `hello` frame, then one frame per message;
 * `publish` frames are answered with `ack` (after the message itself has gone out, since the
 * feed notifies before it resolves). A bad frame gets an `error` frame and the connection
 * stays open, until too many come in a row (client-frames.ts); a frame over `maxPayload`
 * closes it with 1009 (done by ws). Dead peers are found by the heartbeat, slow readers by the
 * bounded send buffer (flow.ts). `/ws` carries every channel (or `?sources=`), and each of
 * `WS_CHANNELS` has its own path: several WebSocket endpoints on one server.
 */
export const websocket: Transport = {
  name: 'ws',
  path: '/ws',
  mount(host: TransportHost) {
    const { feed, config, counters, publisher, observer, budget } = host;
    const shared: Shared = { feed, counters, budget, config, publisher, observer };
    const endpoints = [
      serveEndpoint(host, shared, this.path),
      ...WS_CHANNELS.map((channel) => serveEndpoint(host, shared, `${this.path}/${channel}`, channel)),
    ];
    return {
      async close() {
        await Promise.all(endpoints.map((e) => e.close()));
      },
    };
  },
};
