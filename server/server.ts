import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createApp } from './app.ts';
import { type Coordinator, LocalCoordinator } from './cluster/coordinator.ts';
import { type Config, DEFAULTS } from './config.ts';
import type { Feed } from './feed/feed.ts';
import { openFeed } from './feed/open-feed.ts';
import { SourceSet } from './feed/sources.ts';
import { abortHandshake, instanceHeader } from './http/error-response.ts';
import { createFrontDoor, pathOf } from './http/front-door.ts';
import { ConnectionLimiter, connectionCap, openFileLimit } from './http/limits.ts';
import { originAllowed } from './http/origin.ts';
import type { Classify } from './metering/meter-keys.ts';
import { meterServer } from './metering/meter-server.ts';
import { registerClusterMetrics } from './observe/cluster-metrics.ts';
import { createObserver, type Observer } from './observe/observer.ts';
import { Stats } from './observe/stats.ts';
import { createPublisher } from './publish/publish.ts';

/** A listening pushrace server and the handles tests and the harness need. */
export interface RunningServer {
  /** `http(s)://host:port`, with the port actually bound (config.port 0 picks a free one). */
  readonly url: string;
  readonly config: Config;
  readonly feed: Feed;
  readonly stats: Stats;
  readonly server: Server | HttpsServer;
  /** The structured log and the Prometheus metrics of this server. */
  readonly observer: Observer;
  /** Open TCP connections as the connection caps count them. */
  readonly connections: ConnectionLimiter;
  /** What the control routes act on: this process, or the cluster on its Redis feed. */
  readonly coordinator: Coordinator;
  /**
   * Graceful stop: no new connections, held long-polls answered 204, SSE streams ended,
   * WebSockets closed with 1001, then the remaining sockets closed.
   */
  close(): Promise<void>;
}

/** A short random instance name, when none is configured: `i-` and 4 hex characters. */
function newInstanceId(): string {
  return `i-${randomBytes(2).toString('hex')}`;
}

/**
 * Where the socket meter counts a request: the endpoint its path was registered as by a
 * transport (a GET, or any method on a path whose transport answers several: socket.io's
 * polling POSTs), or `other`.
 */
export function classifier(stats: Stats): Classify {
  return (method, path) => {
    const endpoint = stats.endpointAt(path);
    return method === 'GET' || endpoint.anyMethod ? endpoint : stats.other;
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Plain HTTP, or HTTPS when a certificate and key are configured (the same routes either way).
 * A request head must arrive within `requestHeadTimeoutMs` (an idle or dripping socket gets a
 * 408 and is closed, checked every second), and a whole request within twice that: bodies are
 * at most 16 KiB. The Host header is checked by the front door, in JSON, not by Node in text.
 */
function createHttpServer(config: Config, handler: Handler): { server: Server | HttpsServer; tls: boolean } {
  const options = {
    requireHostHeader: false,
    headersTimeout: config.requestHeadTimeoutMs,
    requestTimeout: config.requestHeadTimeoutMs * 2,
    connectionsCheckingInterval: Math.min(1000, config.requestHeadTimeoutMs),
  };
  if (config.tlsCert === '') return { server: createServer(options, handler), tls: false };
  const tlsOptions = { ...options, cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) };
  return { server: createHttpsServer(tlsOptions, handler), tls: true };
}

/**
 * The control routes' coordinator: with a Redis feed, the cluster's (settings, generators, burst
 * lock and counters shared with every instance on that Redis and prefix; loaded only then);
 * else this process's own.
 */
async function openCoordinator(
  config: Config,
  deps: { sources: SourceSet; stats: Stats; feed: Feed; observer: Observer },
): Promise<Coordinator> {
  if (config.redisUrl === '') return new LocalCoordinator(deps);
  const { RedisCoordinator } = await import('./cluster/redis-coordinator.ts');
  const coordinator = await RedisCoordinator.open({
    url: config.redisUrl,
    prefix: config.redisPrefix,
    instance: config.instance,
    timeoutMs: config.redisTimeoutMs,
    leaseMs: config.clusterLeaseMs,
    gatherMs: config.clusterGatherMs,
    ...deps,
    log: deps.observer.log,
  });
  registerClusterMetrics(deps.observer.metrics.registry, () => coordinator.stats());
  return coordinator;
}

/** What a caller may change about a server beyond its configuration: tests and benchmarks. */
export interface StartOptions {
  /**
   * The feed to serve. Default: the configured one (openFeed: Redis with `redisUrl`, else in
   * memory, `config.historySize` messages), which the server then owns and closes last; a feed
   * passed in stays its caller's to close.
   */
  feed?: Feed;
  /**
   * The byte meter (default on). Off only to measure what it costs: the peers scenario's
   * ablation runs pushrace without it beside pushrace with it. Without it the server serves the
   * same bytes, but every byte, request and connection count it reports stays at zero — which
   * is why no configuration or flag reaches this.
   */
  meter?: boolean;
}

/**
 * Starts the server: feed → app → HTTP(S) server → meter → limits → upgrade routing →
 * sources → listen (see `StartOptions`).
 */
export async function startServer(given: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const config: Config = { ...given, instance: given.instance || newInstanceId() };
  const stats = new Stats();
  const observer = createObserver(stats, config.logLevel);
  const { log } = observer;
  const ownFeed = opts.feed === undefined;
  const feed =
    opts.feed ??
    (await openFeed(config, {
      onListenerError: (err) => log.error({ event: 'subscriber-failed', err }, 'feed subscriber failed'),
      log,
    }));
  const publisher = createPublisher(feed, config, observer.metrics);
  const sources = new SourceSet(feed, {
    sources: config.sources,
    tickerIntervalMs: config.tickerIntervalMs,
    logRate: config.logRate,
    timing: config.sourceTiming,
  });
  let coordinator: Coordinator;
  try {
    coordinator = await openCoordinator(config, { sources, stats, feed, observer });
  } catch (err) {
    if (ownFeed) await feed.close();
    throw err;
  }
  const { app, upgrades, requests, transports, control, fastGets } = createApp({
    feed,
    stats,
    config,
    publisher,
    sources,
    observer,
    coordinator,
  });
  const maxConnections = connectionCap(config.maxConnections, openFileLimit());
  // Said when a configured cap is lowered; the default is simply fitted to the machine.
  if (maxConnections !== config.maxConnections && config.maxConnections !== DEFAULTS.maxConnections) {
    log.warn(
      { event: 'connection-cap-lowered', configured: config.maxConnections, cap: maxConnections },
      `MAX_CONNECTIONS lowered to ${maxConnections}: the open-file limit would refuse connections first`,
    );
  }
  const limiter = new ConnectionLimiter(maxConnections, config.maxConnectionsPerIp);
  const front = createFrontDoor(config, limiter, observer);
  const koa = app.callback();
  const viaKoa = (req: IncomingMessage, res: ServerResponse) => void koa(req, res);
  const named = instanceHeader(config.instance);
  // Responses not finished yet: close() waits for these, then drops every socket left (idle
  // keep-alives, and sockets that connected but never sent a request). Counted in the request
  // handler with one shared 'close' listener (a response emits 'close' once): no second
  // 'request' listener, no closure per request.
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const responseClosed = () => {
    inFlight--;
    if (inFlight === 0) drained?.();
  };
  const { server, tls } = createHttpServer(config, (req, res) => {
    inFlight++;
    res.on('close', responseClosed);
    // The fast GET routes write their whole head at once, the instance header first; every
    // other answer gets it here, before anything else is set.
    // The front door's checks run once: a refused request is answered below, never served fast.
    const refused = front.check(req);
    if (refused === undefined && fastGets.serve(req, res, viaKoa)) return;
    res.setHeader('X-Pushrace-Instance', config.instance);
    if (front.request(req, res, refused)) return;
    const raw = requests.get(pathOf(req.url));
    if (raw) raw(req, res);
    else void koa(req, res);
  });
  // Caps count every TCP connection at accept, before any TLS handshake.
  server.on('connection', (socket: Socket) => limiter.admit(socket));
  // TLS: the plaintext sockets carry the HTTP, and are the ones the meter reads.
  const connectionEvent = tls ? 'secureConnection' : 'connection';
  const meter = opts.meter === false ? null : meterServer(server, stats, classifier(stats), connectionEvent);

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (front.upgrade(req, socket)) return;
    const handler = upgrades.get(pathOf(req.url));
    if (!handler) return abortHandshake(socket, 'NOT_FOUND', `no WebSocket endpoint at ${pathOf(req.url)}`, named);
    if (!originAllowed(req.headers.origin, req.headers.host, config.allowedOrigins)) {
      observer.violation('forbidden_origin', { ip: req.socket.remoteAddress, origin: req.headers.origin });
      const message = `Origin ${req.headers.origin} may not open a WebSocket here`;
      return abortHandshake(socket, 'FORBIDDEN_ORIGIN', message, named);
    }
    handler(req, socket, head);
  });

  // Malformed requests: Node's parser refuses them; answer in the same JSON shape as the app.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || err.code === 'ECONNRESET') return socket.destroy();
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      observer.violation('too_many_headers', { ip: (socket as Socket).remoteAddress });
      return abortHandshake(socket, 'HEADERS_TOO_LARGE', undefined, named);
    }
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return abortHandshake(socket, 'REQUEST_TIMEOUT', undefined, named);
    abortHandshake(socket, 'BAD_REQUEST', undefined, named);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: config.port, host: config.host, backlog: config.listenBacklog }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // Not listening: an owned feed still holds connections (Redis) that would keep the process up.
    await coordinator.close();
    if (ownFeed) await feed.close();
    throw err;
  }
  coordinator.start();

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  // `address`, not `url`: the logger redacts every `url` field (request URLs can carry tokens).
  log.info(
    { event: 'listening', address: url, epoch: feed.epoch, instance: config.instance, tls, sources: config.sources },
    `serving ${url}`,
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    config,
    feed,
    stats,
    server,
    observer,
    connections: limiter,
    coordinator,
    close() {
      closing ??= (async () => {
        log.info({ event: 'closing' }, 'closing');
        publisher.close();
        control.close();
        await coordinator.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all(transports.map((t) => t.close()));
        server.closeIdleConnections();
        if (inFlight > 0) {
          await new Promise<void>((resolve) => {
            drained = resolve;
            setTimeout(resolve, 2000).unref();
          });
        }
        server.closeAllConnections();
        await closed;
        meter?.stop();
        observer.metrics.stop();
        observer.violations.flush();
        if (ownFeed) await feed.close();
        log.info({ event: 'closed' }, 'closed');
      })();
      return closing;
    },
  };
}
