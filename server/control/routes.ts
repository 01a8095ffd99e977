import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { BurstResponse, FeedSettings } from '../../protocol/control.ts';
import type { Coordinator } from '../cluster/coordinator.ts';
import type { Config } from '../config.ts';
import { PushraceError } from '../errors.ts';
import type { Feed } from '../feed/feed.ts';
import { readJsonBody } from '../http/body.ts';
import { originAllowed } from '../http/origin.ts';
import { INSPECT_TAG } from '../inspect/wire-log.ts';
import type { Stats } from '../observe/stats.ts';
import { describeIssues } from '../publish/publish.ts';
import { KeyedLimiter } from '../publish/rate-limit.ts';
import { BurstPublisher } from './burst.ts';

/**
 * The dashboard's control routes: change the feed's generators while the server runs, publish
 * a burst, zero the counters, and read the wire inspector's capture. Access is publishing's:
 * origin-checked (a foreign page cannot drive them) and, with a token configured, behind the
 * token (the front door checks it). What changes state is rate-limited per IP and bounded in
 * cost: a burst is published in slices, the generators' rate is capped.
 */

/** Largest burst: enough to show batching, small enough to stay a demo. */
export const MAX_BURST = 1000;

/** What `PUT /api/settings` accepts: any subset of the settings, nothing else. */
export const settingsSchema = z
  .object({
    sources: z
      .array(z.enum(['ticker', 'log']))
      .max(2)
      .refine((xs) => new Set(xs).size === xs.length, 'sources must not repeat'),
    tickerIntervalMs: z.number().int().min(100).max(60_000),
    logRate: z.number().min(0).max(50),
    timing: z.enum(['random', 'fixed']),
  })
  .partial()
  .strict();

const burstSchema = z.object({ count: z.number().int().min(1).max(MAX_BURST) }).strict();

/** What the control routes need from the app. */
export interface ControlDeps {
  feed: Feed;
  stats: Stats;
  config: Config;
  /**
   * What the routes act on: this process, or every instance of a cluster on one Redis feed
   * (settings, the burst lock and the counters are then the cluster's).
   */
  coordinator: Coordinator;
}

function checkOrigin(ctx: Context, config: Config): void {
  if (!originAllowed(ctx.get('Origin') || undefined, ctx.get('Host') || undefined, config.allowedOrigins)) {
    throw new PushraceError('FORBIDDEN_ORIGIN', `Origin ${ctx.get('Origin')} may not change this server`);
  }
}

/** Messages a second the generators publish at `s`. */
export function generatedRate(s: FeedSettings): number {
  return (s.sources.includes('ticker') ? 1000 / s.tickerIntervalMs : 0) + (s.sources.includes('log') ? s.logRate : 0);
}

/** The mounted control routes; `close` stops a burst in progress (server shutdown). */
export interface MountedControl {
  close(): void;
}

/** Adds the control and inspection routes to `router`. */
export function mountControl(router: Router, deps: ControlDeps): MountedControl {
  const { feed, stats, config, coordinator } = deps;
  const bursts = new BurstPublisher(feed);
  const limiter = new KeyedLimiter(config.controlRate);
  /** The checks of every route that changes state: origin, then the per-IP rate. */
  const admit = (ctx: Context) => {
    checkOrigin(ctx, config);
    const wait = limiter.take(ctx.ip);
    if (wait > 0) {
      throw new PushraceError('RATE_LIMITED', `at most ${config.controlRate} control requests a second`, {
        'Retry-After': String(Math.ceil(wait / 1000)),
      });
    }
  };
  const current = (): FeedSettings => coordinator.settings();

  router.get('/api/settings', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = current();
  });

  /** A control request's body, admitted and validated against `schema`; `code` on a bad one. */
  const bodyOf = async <T>(ctx: Context, schema: z.ZodType<T>, code: 'INVALID_SETTINGS' | 'INVALID_BURST') => {
    admit(ctx);
    const parsed = schema.safeParse(await readJsonBody(ctx, config.maxBodyBytes, config.maxJsonDepth));
    if (!parsed.success) throw new PushraceError(code, describeIssues(parsed.error));
    return parsed.data;
  };

  router.put('/api/settings', async (ctx) => {
    const next: FeedSettings = { ...current(), ...(await bodyOf(ctx, settingsSchema, 'INVALID_SETTINGS')) };
    const rate = generatedRate(next);
    if (rate > config.maxGeneratedRate) {
      throw new PushraceError(
        'INVALID_SETTINGS',
        `together the generators would publish ${Math.round(rate * 10) / 10} messages a second; at most ${config.maxGeneratedRate}`,
      );
    }
    ctx.body = await coordinator.applySettings(next);
    ctx.set('Cache-Control', 'no-store');
  });

  router.post('/api/burst', async (ctx) => {
    const { count } = await bodyOf(ctx, burstSchema, 'INVALID_BURST');
    const body: BurstResponse = await coordinator.withBurstLock(() => bursts.publish(count));
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 201;
    ctx.body = body;
  });

  router.post('/api/stats/clear', async (ctx) => {
    admit(ctx);
    await coordinator.clearStats();
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await coordinator.stats();
  });

  // A client sees the capture of its own connections only: those it tagged, from its address.
  router.get('/api/inspect', (ctx) => {
    const tag = ctx.query.tag;
    if (typeof tag !== 'string' || !INSPECT_TAG.test(tag)) {
      throw new PushraceError('BAD_QUERY', 'tag must be 12-64 characters of [A-Za-z0-9_-], given once');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = stats.wire.snapshot(tag, ctx.ip);
  });

  return { close: () => bursts.close() };
}
