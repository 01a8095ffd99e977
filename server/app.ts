import Router from '@koa/router';
import Koa from 'koa';
import { type Coordinator, LocalCoordinator } from './cluster/coordinator.ts';
import type { Config } from './config.ts';
import { type MountedControl, mountControl } from './control/routes.ts';
import { codeForStatus, ERRORS, type ErrorCode, PushraceError } from './errors.ts';
import type { Feed } from './feed/feed.ts';
import type { SourceSet } from './feed/sources.ts';
import { readBody, readJsonBody } from './http/body.ts';
import { allowOwnAliases } from './http/cors.ts';
import { ERROR_HEADERS, errorBody } from './http/error-response.ts';
import { originAllowed } from './http/origin.ts';
import { servePage } from './http/static.ts';
import { type Observer, silentObserver } from './observe/observer.ts';
import type { Stats } from './observe/stats.ts';
import { Binary, type Publisher } from './publish/publish.ts';
import { TRANSPORTS } from './transports/index.ts';
import { FastGets } from './transports/shared/fast-get.ts';
import { SendBudget } from './transports/shared/send-budget.ts';
import type { MountedTransport, RequestHandler, UpgradeHandler } from './transports/transport.ts';

/** What the app is built from; created by `server.ts`, or by a test. */
export interface AppDeps {
  feed: Feed;
  stats: Stats;
  config: Config;
  publisher: Publisher;
  /** The feed's generators, which the control routes may restart; their owner stops them. */
  sources: SourceSet;
  /**
   * What the control routes and `/api/stats` act on: the cluster's (redis-coordinator.ts) when
   * the server shares a Redis feed; by default this process alone, over `sources` and `stats`.
   */
  coordinator?: Coordinator;
  /** Logs and metrics; a silent one when absent (an app built by a test). */
  observer?: Observer;
}

/** The Koa app plus what the HTTP server needs from it: upgrade routes and transports to close. */
export interface PushraceApp {
  app: Koa;
  /** Upgrade handlers by path (the WebSocket transport's `/ws`). */
  upgrades: ReadonlyMap<string, UpgradeHandler>;
  /** Raw request handlers by path, answered before Koa (socket.io's `/socket.io/`). */
  requests: ReadonlyMap<string, RequestHandler>;
  transports: readonly MountedTransport[];
  /** The control routes: closing them stops a burst in progress. */
  control: MountedControl;
  /** GET routes served before Koa (the polling transports'); the server asks them first. */
  fastGets: FastGets;
}

/** Turns anything thrown in a request into a status, a stable code and a safe message. */
function toHttpError(err: unknown): {
  status: number;
  code: ErrorCode;
  message: string;
  headers: Record<string, string>;
} {
  if (err instanceof PushraceError)
    return { status: err.status, code: err.code, message: err.message, headers: { ...err.headers } };
  const e = err as { status?: unknown; expose?: unknown; message?: unknown };
  const status = typeof e.status === 'number' && e.status >= 400 && e.status < 600 ? e.status : 500;
  const code = codeForStatus(status);
  const message = e.expose === true && typeof e.message === 'string' ? e.message : ERRORS[code].message;
  return { status, code, message, headers: {} };
}

/**
 * A client closing its socket mid-stream (SSE, a held request), or cut for not reading, is
 * normal, not an error: nothing to log (a line each, stack and all, would cost more than the cut).
 */
function clientWentAway(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_PEER_STALLED'
  );
}

/**
 * Builds the Koa app with no listening socket (tests call `app.callback()`); `server.ts`
 * adds the port, the upgrade routing and the socket meter.
 */
export function createApp(deps: AppDeps): PushraceApp {
  const { feed, stats, config, publisher, sources } = deps;
  const observer = deps.observer ?? silentObserver(stats);
  const coordinator = deps.coordinator ?? new LocalCoordinator({ sources, stats, feed });
  const app = new Koa();
  const router = new Router();
  const upgrades = new Map<string, UpgradeHandler>();
  const requests = new Map<string, RequestHandler>();

  app.use(async (ctx, next) => {
    // No answer of this server may be sniffed into another type (a JSON body run as a script).
    ctx.set('X-Content-Type-Options', 'nosniff');
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null)
        throw new PushraceError('NOT_FOUND', `no route ${ctx.method} ${ctx.path}`);
    } catch (err) {
      const e = toHttpError(err);
      // A bug is logged; a refusal (503 while shutting down or while the feed is away) is not:
      // a line per request during an outage would be a flood of its own.
      if (e.code === 'INTERNAL') ctx.app.emit('error', err, ctx);
      ctx.status = e.status;
      ctx.set({ ...ERROR_HEADERS, ...e.headers });
      ctx.body = errorBody(e.code, e.message);
    }
  });
  app.use(allowOwnAliases());
  app.on('error', (err: unknown) => {
    if (clientWentAway(err)) return;
    observer.log.error({ event: 'request-failed', err }, 'request failed');
  });

  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    // 503 while the feed is unavailable (Redis down): this instance cannot take publishes.
    if (!feed.available) ctx.status = 503;
    ctx.body = {
      ok: feed.available,
      feed: feed.available ? 'ok' : 'unavailable',
      epoch: feed.epoch,
      head: feed.head,
      instance: config.instance,
    };
  });

  router.get('/api/stats', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await coordinator.stats();
  });

  router.post('/api/messages', async (ctx) => {
    if (!originAllowed(ctx.get('Origin') || undefined, ctx.get('Host') || undefined, config.allowedOrigins)) {
      throw new PushraceError('FORBIDDEN_ORIGIN', `Origin ${ctx.get('Origin')} may not publish here`);
    }
    // A binary message is its bytes, as sent (`?source=` and `?id=` say the rest); anything
    // else is the JSON publish request.
    const raw = ctx.is('application/octet-stream')
      ? new Binary(await readBody(ctx, config.maxBodyBytes), { source: ctx.query.source, id: ctx.query.id })
      : await readJsonBody(ctx, config.maxBodyBytes, config.maxJsonDepth);
    const { message, duplicate } = await publisher.publish(raw, { ip: ctx.ip });
    ctx.set('Cache-Control', 'no-store');
    ctx.status = duplicate ? 200 : 201;
    ctx.body = duplicate ? { seq: message.seq, duplicate: true } : { seq: message.seq };
  });

  const control = mountControl(router, { feed, stats, config, coordinator });

  const budget = new SendBudget(config.maxBufferedBytes);
  const fastGets = new FastGets(config.instance);
  const transports = TRANSPORTS.map((t) => {
    stats.endpoint(t.name, t.path);
    return t.mount({
      router,
      upgrade: (path, handler) => {
        stats.endpoint(t.name, path);
        upgrades.set(path, handler);
      },
      fastGet: (path, route) => fastGets.add(path, route),
      request: (path, handler) => {
        stats.endpoint(t.name, path, true);
        requests.set(path, handler);
      },
      feed,
      config,
      counters: stats.transports[t.name],
      publisher,
      observer,
      budget,
    });
  });

  app.use(router.routes());
  app.use(
    router.allowedMethods({
      throw: true,
      methodNotAllowed: () => new PushraceError('METHOD_NOT_ALLOWED'),
      notImplemented: () => new PushraceError('METHOD_NOT_ALLOWED'),
    }),
  );
  app.use(servePage(config.pageDir));

  return { app, upgrades, requests, transports, control, fastGets };
}
