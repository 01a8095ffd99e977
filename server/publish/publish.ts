import { z } from 'zod';
import type { Config } from '../config.ts';
import { type ErrorCode, PushraceError } from '../errors.ts';
import type { Feed, PublishInput, PublishResult } from '../feed/feed.ts';
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
export interface Publishing {
  ip: string;
  bucket?: TokenBucket;
}

/**
 * A refusal as plain data: what `PushraceError` carries, without the cost of an Error (a stack
 * captured per refusal), so a flood of bad WebSocket frames costs a branch each.
 */
export interface Refusal {
  code: ErrorCode;
  message: string;
  headers?: Record<string, string>;
}

/** A binary body as the HTTP route reads it, for `Publisher.publish`. */
export class Binary {
  constructor(
    readonly bytes: Uint8Array,
    readonly meta: BinaryMeta,
  ) {}
}

/** What a binary publish says besides its bytes (an HTTP query, nothing for a WebSocket frame). */
export interface BinaryMeta {
  source?: unknown;
  id?: unknown;
}

const binaryMeta = z.object({ source: z.enum(['chat', 'bench']).default('chat'), id: clientId.optional() }).strict();

/** The outcome of `check`: the message to store, or why not. */
export type Checked = { ok: true; input: PublishInput } | { ok: false; refusal: Refusal };

/**
 * The one way messages from clients enter the feed (POST and WS `publish` frames share it), so
 * validation, size and rate limits are the same on both.
 */
export interface Publisher {
  /**
   * Applies the rate limits and validates `raw` (the parsed JSON of a request body or a
   * `publish` frame without its `type`), storing nothing. Never throws.
   */
  check(raw: unknown, who: Publishing): Checked;
  /**
   * The same for a binary message (an `application/octet-stream` body, a WebSocket binary
   * frame): the bytes, stored base64-encoded (`encoding: "base64"`) so every feed, the Redis
   * one included, keeps JSON. Never throws.
   */
  checkBinary(bytes: Uint8Array, meta: BinaryMeta, who: Publishing): Checked;
  /** Stores what `check` accepted; the feed notifies subscribers before this resolves. */
  store(input: PublishInput): Promise<PublishResult>;
  /** `check` (or `checkBinary` for a `Binary`), then `store`; throws PushraceError on a refusal (the HTTP path). */
  publish(raw: unknown, who: Publishing): Promise<PublishResult>;
  /**
   * Refuses every publish from now on with SHUTTING_DOWN: a server that is closing its streams
   * must not acknowledge a message no client may ever receive.
   */
  close(): void;
}

/** A human-readable summary of a zod error: the first issue, with its path. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue.message}`;
}

const refuse = (code: ErrorCode, message: string, headers?: Record<string, string>): Checked => ({
  ok: false,
  refusal: headers ? { code, message, headers } : { code, message },
});

/** Builds the publisher of `feed`; `metrics` counts rate-limited publishes and times stored ones. */
export function createPublisher(
  feed: Feed,
  config: Pick<Config, 'publishRate' | 'maxMessageBytes'>,
  metrics?: Metrics,
): Publisher {
  const perIp = new KeyedLimiter(config.publishRate);
  let closing = false;
  /** What every publish is refused for before its content is looked at: shutdown, the rate. */
  const admit = (who: Publishing): Checked | undefined => {
    if (closing) return refuse('SHUTTING_DOWN', 'the server is shutting down; publish again when it is back');
    const wait = Math.max(who.bucket?.take() ?? 0, perIp.take(who.ip));
    if (wait > 0) {
      metrics?.violation('rate_limited');
      return refuse('RATE_LIMITED', `at most ${config.publishRate} publishes a second`, {
        'Retry-After': String(Math.ceil(wait / 1000)),
      });
    }
    return undefined;
  };
  const checkBinary = (bytes: Uint8Array, meta: BinaryMeta, who: Publishing): Checked => {
    const refused = admit(who);
    if (refused) return refused;
    const parsed = binaryMeta.safeParse(Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined)));
    if (!parsed.success) return refuse('INVALID_MESSAGE', describeIssues(parsed.error));
    if (bytes.length === 0) return refuse('INVALID_MESSAGE', 'a binary message has at least one byte');
    if (bytes.length > config.maxMessageBytes) {
      return refuse('PAYLOAD_TOO_LARGE', `body is ${bytes.length} bytes; the limit is ${config.maxMessageBytes}`);
    }
    const { source, id } = parsed.data;
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    const input: PublishInput = { source, body, encoding: 'base64' };
    if (id !== undefined) input.id = id;
    return { ok: true, input };
  };
  const check = (raw: unknown, who: Publishing): Checked => {
    const refused = admit(who);
    if (refused) return refused;
    const input = typeof raw === 'object' && raw !== null && !('source' in raw) ? { ...raw, source: 'chat' } : raw;
    const parsed = publishSchema.safeParse(input);
    if (!parsed.success) return refuse('INVALID_MESSAGE', describeIssues(parsed.error));
    // The body as the client sent it, not zod's copy of it: a copy would drop own properties
    // such as "__proto__", and what is stored must be what was sent.
    const body: unknown = (input as { body: unknown }).body;
    const size = Buffer.byteLength(JSON.stringify(body));
    if (size > config.maxMessageBytes) {
      return refuse('PAYLOAD_TOO_LARGE', `body is ${size} bytes as JSON; the limit is ${config.maxMessageBytes}`);
    }
    const { source, id } = parsed.data;
    return { ok: true, input: id === undefined ? { source, body } : { source, body, id } };
  };
  const store = async (input: PublishInput): Promise<PublishResult> => {
    const done = metrics?.publishTimer();
    const result = await feed.publish(input);
    done?.();
    return result;
  };
  return {
    check,
    checkBinary,
    store,
    async publish(raw, who) {
      const checked = raw instanceof Binary ? checkBinary(raw.bytes, raw.meta, who) : check(raw, who);
      if (!checked.ok) {
        const { code, message, headers } = checked.refusal;
        throw new PushraceError(code, message, headers);
      }
      return store(checked.input);
    },
    close() {
      closing = true;
    },
  };
}
