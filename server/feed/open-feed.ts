import type { Config } from '../config.ts';
import type { Feed } from './feed.ts';
import { MemoryFeed } from './memory-feed.ts';
import type { FeedLog } from './redis-feed.ts';

/** What the server lends the feed it opens: where subscriber errors and store events go. */
export interface FeedHooks {
  onListenerError: (err: unknown) => void;
  log: FeedLog;
}

/**
 * The feed the configuration asks for: on Redis when `redisUrl` is set (rejects when Redis
 * cannot be reached), else in memory. The caller owns it and closes it. The Redis feed and its
 * client are loaded only when asked for: a server without REDIS_URL starts as it always did.
 */
export async function openFeed(
  config: Pick<Config, 'historySize' | 'redisUrl' | 'redisPrefix' | 'redisTimeoutMs'>,
  hooks: FeedHooks,
): Promise<Feed> {
  if (config.redisUrl === '') {
    return new MemoryFeed({ historySize: config.historySize, onListenerError: hooks.onListenerError });
  }
  const { RedisFeed } = await import('./redis-feed.ts');
  return RedisFeed.open({
    url: config.redisUrl,
    prefix: config.redisPrefix,
    historySize: config.historySize,
    timeoutMs: config.redisTimeoutMs,
    onListenerError: hooks.onListenerError,
    log: hooks.log,
  });
}
