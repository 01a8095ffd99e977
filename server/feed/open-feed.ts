import type { Config } from '../config.ts';
import type { Feed } from './feed.ts';
import { MemoryFeed } from './memory-feed.ts';
import { type FeedLog, RedisFeed } from './redis-feed.ts';

/** What the server lends the feed it opens: where subscriber errors and store events go. */
export interface FeedHooks {
  onListenerError: (err: unknown) => void;
  log: FeedLog;
}

/**
 * The feed the configuration asks for: on Redis when `redisUrl` is set (rejects when Redis
 * cannot be reached), else in memory. The caller owns it and closes it.
 */
export function openFeed(
  config: Pick<Config, 'historySize' | 'redisUrl' | 'redisPrefix' | 'redisTimeoutMs'>,
  hooks: FeedHooks,
): Promise<Feed> {
  if (config.redisUrl === '') {
    return Promise.resolve(new MemoryFeed({ historySize: config.historySize, onListenerError: hooks.onListenerError }));
  }
  return RedisFeed.open({
    url: config.redisUrl,
    prefix: config.redisPrefix,
    historySize: config.historySize,
    timeoutMs: config.redisTimeoutMs,
    onListenerError: hooks.onListenerError,
    log: hooks.log,
  });
}
