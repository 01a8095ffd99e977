import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type Router from '@koa/router';
import type { TransportName } from '../../protocol/wire.ts';
import type { Config } from '../config.ts';
import type { Feed } from '../feed/feed.ts';
import type { Observer } from '../observe/observer.ts';
import type { TransportCounters } from '../observe/stats.ts';
import type { Publisher } from '../publish/publish.ts';
import type { SendBudget } from './shared/send-budget.ts';

export type { TransportName } from '../../protocol/wire.ts';

/**
 * Handles an HTTP upgrade on one path. The HTTP server has already checked the path and the
 * Origin; the handler owns the socket from here.
 */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Handles every plain request to one path before Koa (socket.io's engine answers its own
 * polling requests). The front door has already checked the request; the handler answers it.
 */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What a transport is given when it is mounted: the shared feed and its own counters. */
export interface TransportHost {
  /** Koa router for HTTP transports (poll, long-poll, sse). */
  readonly router: Router;
  /** Registers an upgrade handler for a path (ws); the meter counts that path as this transport's. */
  upgrade(path: string, handler: UpgradeHandler): void;
  /**
   * Registers a raw request handler for a path, any method (socket.io's polling GETs and
   * POSTs); the meter counts that path's requests of every method as this transport's.
   */
  request(path: string, handler: RequestHandler): void;
  readonly feed: Feed;
  readonly config: Config;
  /** This transport's counters: it owns held, emptyResponses, timeouts and delivered. */
  readonly counters: TransportCounters;
  /** Validating, rate-limited publishing shared with POST /api/messages. */
  readonly publisher: Publisher;
  /** Structured log and metrics: connects, disconnects, violations, drops, close codes. */
  readonly observer: Observer;
  /** The send-buffer memory all paused streams share (flow.ts): one per server. */
  readonly budget: SendBudget;
}

/** A mounted transport; `close` ends every open exchange at once (shutdown, tests). */
export interface MountedTransport {
  /** Held long-polls answered, SSE streams ended, WebSockets closed with 1001. */
  close(): Promise<void>;
}

/**
 * A transport delivers the feed to clients in its own way and does nothing else: cursors and
 * buffering live in the feed. Every transport module exports one of these, named by its wire
 * name, and `transports/index.ts` lists them.
 */
export interface Transport {
  /** Wire name: the stats key and the client library's name for it. */
  readonly name: TransportName;
  /** The route it serves; also how the socket meter attributes bytes to it. */
  readonly path: string;
  mount(host: TransportHost): MountedTransport;
}
