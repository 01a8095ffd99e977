import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { BurstResponse, FeedSettings } from '../../protocol/control.ts';
import type { Config } from '../config.ts';
import { PushraceError } from '../errors.ts';
import type { Feed } from '../feed/feed.ts';
import type { SourceSet } from '../feed/sources.ts';
import { readJsonBody } from '../http/body.ts';
import { originAllowed } from '../http/origin.ts';
import { INSPECT_TAG } from '../inspect/wire-log.ts';
import type { Stats } from '../observe/stats.ts';
import { describeIssues } from '../publish/publish.ts';

/**
 * The dashboard's control routes: change the feed's generators while the server runs, publish
 * a burst in one go, zero the counters, and read the wire inspector's capture. Everything
 * that changes state is origin-checked like publishing, so a foreign page cannot drive it.
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
    tickerIntervalMs: z.number().int().min(50).max(60_000),
    logRate: z.number().min(0).max(200),
  })
  .partial()
  .strict();

const burstSchema = z.object({ count: z.number().int().min(1).max(MAX_BURST) }).strict();

/** What the control routes need from the app. */
export interface ControlDeps {
  feed: Feed;
  stats: Stats;
  config: Config;
  /** The feed's generators (the server stops them on close, whatever these routes started). */
  sources: SourceSet;
}

function checkOrigin(ctx: Context, config: Config): void {
  if (!originAllowed(ctx.get('Origin') || undefined, ctx.get('Host') || undefined, config.allowedOrigins)) {
    throw new PushraceError('FORBIDDEN_ORIGIN', `Origin ${ctx.get('Origin')} may not change this server`);
  }
}

/** Adds the control and inspection routes to `router`. */
export function mountControl(router: Router, deps: ControlDeps): void {
  const { feed, stats, config, sources } = deps;
  const current = (): FeedSettings => {
    const s = sources.settings;
    return { sources: [...s.sources], tickerIntervalMs: s.tickerIntervalMs, logRate: s.logRate };
  };

  router.get('/api/settings', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = current();
  });

  router.put('/api/settings', async (ctx) => {
    checkOrigin(ctx, config);
    const raw = await readJsonBody(ctx, config.maxBodyBytes, config.maxJsonDepth);
    const parsed = settingsSchema.safeParse(raw);
    if (!parsed.success) throw new PushraceError('INVALID_SETTINGS', describeIssues(parsed.error));
    const next: FeedSettings = { ...current(), ...parsed.data };
    sources.apply(next);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = current();
  });

  router.post('/api/burst', async (ctx) => {
    checkOrigin(ctx, config);
    const raw = await readJsonBody(ctx, config.maxBodyBytes, config.maxJsonDepth);
    const parsed = burstSchema.safeParse(raw);
    if (!parsed.success) throw new PushraceError('INVALID_BURST', describeIssues(parsed.error));
    const { count } = parsed.data;
    // Every publish starts in this same tick: the messages are stored back to back, in order.
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) => feed.publish({ source: 'bench', body: `burst ${i + 1}/${count}` })),
    );
    const body: BurstResponse = {
      first: results[0]?.message.seq ?? 0,
      last: results[results.length - 1]?.message.seq ?? 0,
      count,
    };
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 201;
    ctx.body = body;
  });

  router.post('/api/stats/clear', (ctx) => {
    checkOrigin(ctx, config);
    stats.clear();
    ctx.set('Cache-Control', 'no-store');
    ctx.body = stats.snapshot(feed);
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
}
