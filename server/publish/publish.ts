import { z } from 'zod';
import type { Config } from '../config.ts';
import { PushraceError } from '../errors.ts';
import type { Feed, PublishResult } from '../feed/feed.ts';
import type { Metrics } from '../observe/metrics.ts';
import { KeyedLimiter, type TokenBucket } from './rate-limit.ts';

/** Client-chosen message id: printable ASCII, so it is safe to log and to echo. */
const clientId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'id must be 1-128 printable ASCII characters');

/**
 * What a client may publish: chat (a non-empty string) or bench (any small JSON value).
 * `ticker` and `log` belong to the server's own generators.
 */
export const publishSchema = z.discriminatedUnion('source', [
  z
    .object({
      source: z.literal('chat'),
      body: z.string().min(1, 'a chat body is a non-empty string'),
      id: clientId.optional(),
    })
    .strict(),
  z.object({ source: z.literal('bench'), body: z.json(), id: clientId.optional() }).strict(),
]);

export type PublishRequest = z.infer<typeof publishSchema>;

/** Who is publishing: the IP for the per-IP limit, and the connection's own bucket if any. */
export interface Publisher {
  /**
   * Validates `raw` (the parsed JSON of a request body or a `publish` frame without its
   * `type`), applies the rate limits, and stores it. Throws PushraceError on anything bad,
   * before anything is stored.
   */
  publish(raw: unknown, who: { ip: string; bucket?: TokenBucket }): Promise<PublishResult>;
}

/** A human-readable summary of a zod error: the first issue, with its path. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue.message}`;
}

/**
 * The one way messages from clients enter the feed (POST and WS `publish` frames share it), so
 * validation, size and rate limits are the same on both. `metrics` times each stored publish.
 */
export function createPublisher(
  feed: Feed,
  config: Pick<Config, 'publishRate' | 'maxMessageBytes'>,
  metrics?: Metrics,
): Publisher {
  const perIp = new KeyedLimiter(config.publishRate);
  return {
    async publish(raw, who) {
      const wait = Math.max(who.bucket?.take() ?? 0, perIp.take(who.ip));
      if (wait > 0) {
        metrics?.violation('rate_limited');
        throw new PushraceError('RATE_LIMITED', `at most ${config.publishRate} publishes a second`, {
          'Retry-After': String(Math.ceil(wait / 1000)),
        });
      }
      const input = typeof raw === 'object' && raw !== null && !('source' in raw) ? { ...raw, source: 'chat' } : raw;
      const parsed = publishSchema.safeParse(input);
      if (!parsed.success) throw new PushraceError('INVALID_MESSAGE', describeIssues(parsed.error));
      const size = Buffer.byteLength(JSON.stringify(parsed.data.body));
      if (size > config.maxMessageBytes) {
        throw new PushraceError(
          'PAYLOAD_TOO_LARGE',
          `body is ${size} bytes as JSON; the limit is ${config.maxMessageBytes}`,
        );
      }
      const done = metrics?.publishTimer();
      const result = await feed.publish(parsed.data);
      done?.();
      return result;
    },
  };
}
