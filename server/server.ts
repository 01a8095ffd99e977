import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createApp } from './app.ts';
import type { Config } from './config.ts';
import type { Feed } from './feed/feed.ts';
import { MemoryFeed } from './feed/memory-feed.ts';
import { type RunningSource, startSources } from './feed/sources.ts';
import { type MeterKey, meterServer } from './metering/socket-meter.ts';
import { originAllowed } from './origin.ts';
import { createPublisher } from './publish.ts';
import { Stats } from './stats.ts';
import { TRANSPORTS } from './transports/index.ts';
import { rejectUpgrade } from './upgrade.ts';

/** A listening pushrace server and the handles tests and the harness need. */
export interface RunningServer {
  /** `http://host:port`, with the port actually bound (config.port 0 picks a free one). */
  readonly url: string;
  readonly config: Config;
  readonly feed: Feed;
  readonly stats: Stats;
  readonly server: Server;
  /**
   * Graceful stop: no new connections, held long-polls answered 204, SSE streams ended,
   * WebSockets closed with 1001, then the remaining sockets closed.
   */
  close(): Promise<void>;
}

/** Which transport a request belongs to, for the socket meter: by path alone. */
export function classify(method: string, path: string): MeterKey {
  for (const t of TRANSPORTS) if (t.path === path && method === 'GET') return t.name;
  return 'other';
}

const pathOf = (url: string | undefined) => {
  const q = (url ?? '/').indexOf('?');
  return q === -1 ? (url ?? '/') : (url ?? '/').slice(0, q);
};

/**
 * Starts the server: feed → app → HTTP server → meter → upgrade routing → sources → listen.
 * `feed` defaults to a new in-memory feed of `config.historySize` messages.
 */
export async function startServer(config: Config, opts: { feed?: Feed } = {}): Promise<RunningServer> {
  const feed = opts.feed ?? new MemoryFeed({ historySize: config.historySize });
  const stats = new Stats();
  const publisher = createPublisher(feed, config);
  const { app, upgrades, transports } = createApp({ feed, stats, config, publisher });
  const server = createServer(app.callback());
  const meter = meterServer(server, stats, classify);
  // Responses not finished yet: close() waits for these, then drops every socket left (idle
  // keep-alives, and sockets that connected but never sent a request).
  let inFlight = 0;
  let drained: (() => void) | undefined;
  server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
  });

  server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const handler = upgrades.get(pathOf(req.url));
    if (!handler) return rejectUpgrade(socket, 'NOT_FOUND', `no WebSocket endpoint at ${pathOf(req.url)}`);
    if (!originAllowed(req.headers.origin, req.headers.host, config.allowedOrigins)) {
      return rejectUpgrade(socket, 'FORBIDDEN_ORIGIN', `Origin ${req.headers.origin} may not open a WebSocket here`);
    }
    handler(req, socket, head);
  });

  // Malformed requests: Node's parser refuses them; answer in the same JSON shape as the app.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const body = JSON.stringify({
      error: tooLarge
        ? { code: 'HEADERS_TOO_LARGE', message: 'request headers are too large' }
        : { code: 'BAD_REQUEST', message: 'malformed HTTP request' },
    });
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });

  let sources: RunningSource[] = [];
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  sources = startSources(feed, config);

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    config,
    feed,
    stats,
    server,
    close() {
      closing ??= (async () => {
        for (const s of sources) s.stop();
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
        meter.stop();
      })();
      return closing;
    },
  };
}
