import { parseArgs } from 'node:util';
import { z } from 'zod';
import { PROTOCOL_DEFAULTS } from '../protocol/defaults.ts';

/**
 * Every tunable in one object. Environment variables and flags override these; nothing else
 * in the server hard-codes a limit.
 */
export const DEFAULTS = {
  port: 3000,
  host: '127.0.0.1',
  /** Built-in generators to run: any of ticker, log; empty = a quiet feed. */
  sources: ['ticker'] as Array<'ticker' | 'log'>,
  historySize: 10_000,
  /** Extra allowed browser origins; the server's own and localhost origins are always allowed. */
  allowedOrigins: [] as string[],
  /** Simulated log lines a second. */
  logRate: 2,
  /** Ticker period in ms (a value every second on average, like a stock ticker). */
  tickerIntervalMs: 1000,
  /** When the generators publish: `random` (Poisson, the default) or `fixed` (a metronome). */
  sourceTiming: 'random' as 'random' | 'fixed',
  /** Publishes a second per client connection and per IP; 0 = unlimited (the load harness). */
  publishRate: 100,
  /** Largest number of messages one poll/long-poll answer carries. */
  readLimit: PROTOCOL_DEFAULTS.readLimit,
  longPollTimeoutMs: PROTOCOL_DEFAULTS.longPollTimeoutMs,
  longPollMaxTimeoutMs: PROTOCOL_DEFAULTS.longPollMaxTimeoutMs,
  /** SSE comment heartbeat, below common proxy idle timeouts (30-60 s). */
  sseHeartbeatMs: PROTOCOL_DEFAULTS.sseHeartbeatMs,
  /** SSE `retry:` hint for EventSource reconnects. */
  sseRetryMs: 1000,
  /** Largest accepted HTTP body (POST /api/messages). */
  maxBodyBytes: 16 * 1024,
  /** Largest `body` of one message, serialized as JSON. */
  maxMessageBytes: 8 * 1024,
  /** Deepest nesting of objects and arrays accepted in a JSON body or frame. */
  maxJsonDepth: 32,
  /** ws `maxPayload`: a bigger frame closes the connection with 1009. */
  wsMaxPayload: 64 * 1024,
  /** ws `maxFragments`: a message split into more fragments than this closes the connection (1009). */
  wsMaxFragments: 64,
  /** ws `maxBufferedChunks`: received chunks buffered for one frame before the connection is closed. */
  wsMaxBufferedChunks: 1024,
  /**
   * WebSocket heartbeat: a ping this often; a peer that has not answered the previous ping by
   * the next tick is terminated, so a dead peer is gone within two intervals.
   */
  wsHeartbeatMs: PROTOCOL_DEFAULTS.wsHeartbeatMs,
  /**
   * Per-connection send buffer bound (WS `bufferedAmount`, SSE queued bytes): past it the
   * stream pauses and resumes from the feed once drained, so a slow reader costs no memory.
   */
  sendBufferBytes: 1024 * 1024,
  /** A stream paused on a full send buffer for this long is a stuck reader: closed (WS 1013). */
  slowConsumerMs: 10_000,
  /** Open TCP connections, all clients together; beyond it: 503 (before any upgrade). 0 = no cap. */
  maxConnections: 20_000,
  /** Open TCP connections from one IP address; beyond it: 503. 0 = no cap. */
  maxConnectionsPerIp: 1_000,
  /** Header lines in one request or upgrade; more is refused with 431. */
  maxHeaderCount: 100,
  /** Consecutive rate-limited WebSocket publishes before the connection is closed with 1008. */
  wsMaxRateStrikes: 20,
  /** Consecutive bad WebSocket frames (each answered with an error frame) before close 1008. */
  wsMaxBadFrames: 20,
  /**
   * WebSocket frames a connection may have waiting to be handled (a publish being stored and
   * the frames behind it, kept in order). From 64 waiting the server stops reading the socket
   * until half are done; one read can still hold many small frames, and a client whose waiting
   * frames reach this count (or `sendBufferBytes` of them) is closed with 1008.
   */
  wsMaxQueuedFrames: 1024,
  /**
   * Send-buffer bytes all paused streams (WS and SSE readers over `sendBufferBytes`) may hold
   * together; past it the reader paused longest is cut, so slow readers cannot add up to
   * the server's memory however many there are.
   */
  maxBufferedBytes: 256 * 1024 * 1024,
  /**
   * A connection must complete each request head within this long (a socket that sends
   * nothing, or drips a header a second, is answered 408 and closed): idle sockets cannot hold
   * the connection caps.
   */
  requestHeadTimeoutMs: 5000,
  /**
   * Host names the server answers to besides localhost and IP addresses (DNS rebinding: a page
   * on an attacker's domain that resolves to this server sends its own name in Host).
   */
  allowedHosts: [] as string[],
  /** Control requests (settings, burst, clearing stats) a second per IP. */
  controlRate: 5,
  /** Messages a second the built-in generators may publish together, as set at run time. */
  maxGeneratedRate: 50,
  /** When set, publishing needs it: `Authorization: Bearer` on HTTP, `?token=` or an auth frame on WS. */
  publishToken: '',
  /** PEM certificate and key files: when both are set the server speaks https and wss. */
  tlsCert: '',
  tlsKey: '',
  /**
   * The name this server gives itself in every answer (`X-Pushrace-Instance`, `/healthz`, the
   * WebSocket and SSE hello), so a client behind a load balancer can see which instance served
   * it; empty = a random one at start (`w1`, `w2`… for cluster workers).
   */
  instance: '',
  /**
   * The shared feed: when set (`redis://host:port[/db]`), messages live in Redis Streams and any
   * number of instances serve one feed; empty = the in-memory feed of this process alone.
   */
  redisUrl: '',
  /** Prefix of the feed's Redis keys: feeds with different prefixes share a Redis without meeting. */
  redisPrefix: 'pushrace',
  /** A Redis command slower than this fails (publish 503 FEED_UNAVAILABLE) instead of waiting. */
  redisTimeoutMs: 2000,
  /**
   * Server processes sharing the port (node:cluster; the primary hands connections round-robin,
   * no stickiness). More than one needs REDIS_URL: the workers share nothing but the feed.
   */
  workers: 1,
  /**
   * With Redis: the leader lease (the one instance that runs the generators) expires this long
   * after its holder stopped renewing it (renewed every third of it), so a dead leader's place
   * is taken within about this long.
   */
  clusterLeaseMs: 3000,
  /** With Redis: how long `/api/stats` waits for every instance's counters before answering with those it has. */
  clusterGatherMs: 1000,
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  logLevel: 'info',
  /** Where the built dashboard lives. */
  pageDir: 'dist/page',
} as const;

/** True when `T` is a union of several types (a choice such as `'random' | 'fixed'`). */
type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;

/**
 * DEFAULTS as values a configuration may hold: numbers and free strings widened, lists
 * mutable, and a choice between named values (a union of literals) kept as that choice.
 */
export type Config = {
  -readonly [K in keyof typeof DEFAULTS]: (typeof DEFAULTS)[K] extends readonly (infer U)[]
    ? U[]
    : (typeof DEFAULTS)[K] extends number
      ? number
      : (typeof DEFAULTS)[K] extends string
        ? true extends IsUnion<(typeof DEFAULTS)[K]>
          ? (typeof DEFAULTS)[K]
          : string
        : (typeof DEFAULTS)[K];
};

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

const hostSchema = z
  .string()
  .regex(/^[a-z0-9.-]+$/i, 'a host name is letters, digits, dots and hyphens, without a port')
  .transform((h) => h.toLowerCase());

const redisUrlSchema = z
  .string()
  .refine((s) => URL.canParse(s) && /^rediss?:$/.test(new URL(s).protocol) && new URL(s).hostname !== '', {
    message: 'a Redis URL is redis://[user:password@]host[:port][/db] (or rediss:// for TLS)',
  });

const originSchema = z
  .string()
  .regex(/^https?:\/\/[^/\s]+$/, 'an origin is scheme://host[:port] with no path, e.g. http://example.com:8080');

/** Flags and the environment variables they mirror, with the line `--help` prints for each. */
const VARIABLES = {
  port: { env: 'PORT', schema: int(0, 65535), help: 'port to listen on; 0 picks a free one' },
  host: { env: 'HOST', schema: z.string().min(1), help: 'address to listen on' },
  sources: {
    env: 'SOURCES',
    schema: z
      .string()
      .transform(list)
      .pipe(z.array(z.enum(['ticker', 'log', 'none'])))
      .transform((xs) => xs.filter((x): x is 'ticker' | 'log' => x !== 'none')),
    help: 'built-in generators: ticker, log (comma list) or none',
  },
  historySize: { env: 'HISTORY_SIZE', schema: int(1, 10_000_000), help: 'messages retained for resuming' },
  allowedOrigins: {
    env: 'ALLOWED_ORIGINS',
    schema: z.string().transform(list).pipe(z.array(originSchema)),
    help: 'extra browser origins allowed to publish and open WebSockets',
  },
  logRate: { env: 'LOG_RATE', schema: z.coerce.number().min(0).max(10_000), help: 'simulated log lines a second' },
  sourceTiming: {
    env: 'SOURCE_TIMING',
    schema: z.enum(['random', 'fixed']),
    help: 'generators publish at random (Poisson) or fixed intervals',
  },
  publishRate: {
    env: 'PUBLISH_RATE',
    schema: z.coerce.number().min(0).max(1_000_000),
    help: 'publishes a second per connection and per IP; 0 = unlimited',
  },
  wsHeartbeatMs: {
    env: 'WS_HEARTBEAT_MS',
    schema: int(10, 3_600_000),
    help: 'WebSocket ping interval; a peer silent for two is terminated',
  },
  sendBufferBytes: {
    env: 'SEND_BUFFER_BYTES',
    schema: int(16 * 1024, 1024 * 1024 * 1024),
    help: 'per-connection WS/SSE send buffer; past it the stream pauses',
  },
  slowConsumerMs: {
    env: 'SLOW_CONSUMER_MS',
    schema: int(10, 3_600_000),
    help: 'a stream paused this long is closed (WS 1013)',
  },
  maxConnections: {
    env: 'MAX_CONNECTIONS',
    schema: int(0, 10_000_000),
    help: 'open connections; beyond: 503; 0 = no cap',
  },
  maxConnectionsPerIp: {
    env: 'MAX_CONNECTIONS_PER_IP',
    schema: int(0, 10_000_000),
    help: 'open connections per IP; beyond: 503; 0 = no cap',
  },
  maxHeaderCount: { env: 'MAX_HEADER_COUNT', schema: int(10, 2000), help: 'header lines per request; beyond: 431' },
  wsMaxRateStrikes: {
    env: 'WS_MAX_RATE_STRIKES',
    schema: int(1, 1_000_000),
    help: 'consecutive rate-limited WS publishes before close 1008',
  },
  allowedHosts: {
    env: 'ALLOWED_HOSTS',
    schema: z.string().transform(list).pipe(z.array(hostSchema)),
    help: 'host names to answer besides localhost and IP addresses',
  },
  requestHeadTimeoutMs: {
    env: 'REQUEST_HEAD_TIMEOUT_MS',
    schema: int(500, 120_000),
    help: 'time to send a request head; beyond: 408',
  },
  maxBufferedBytes: {
    env: 'MAX_BUFFERED_BYTES',
    schema: int(1024 * 1024, 64 * 1024 * 1024 * 1024),
    help: 'send-buffer bytes all paused readers together; beyond: the slowest is cut',
  },
  instance: {
    env: 'INSTANCE_ID',
    schema: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, '1-32 characters of [A-Za-z0-9_.-]'),
    help: 'the name this instance gives in every answer; default: random',
  },
  publishToken: {
    env: 'PUBLISH_TOKEN',
    schema: z.string().min(16, 'a publish token is at least 16 characters'),
    help: 'when set, publishing and the control routes need it',
  },
  tlsCert: { env: 'TLS_CERT', schema: z.string().min(1), help: 'PEM certificate file: serve https and wss' },
  tlsKey: { env: 'TLS_KEY', schema: z.string().min(1), help: 'PEM key file (with TLS_CERT)' },
  redisUrl: {
    env: 'REDIS_URL',
    schema: redisUrlSchema,
    help: 'keep the feed in Redis (redis://host:port), shared by every instance',
  },
  redisPrefix: {
    env: 'REDIS_PREFIX',
    schema: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a prefix is 1-64 of letters, digits and _ . : -'),
    help: "prefix of the feed's Redis keys",
  },
  redisTimeoutMs: {
    env: 'REDIS_TIMEOUT_MS',
    schema: int(50, 60_000),
    help: 'a slower Redis command fails (publish: 503) instead of waiting',
  },
  workers: {
    env: 'WORKERS',
    schema: int(1, 64),
    help: 'server processes sharing the port (node:cluster); more than 1 needs REDIS_URL',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    help: 'pino level; silent for none',
  },
} as const;

type VariableName = keyof typeof VARIABLES;

/** A configuration error: the message names the variable and what is wrong, for a person. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const flagName = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The environment variables the server reads, as documented (docs/protocol.md, "Configuration"). */
export const ENV_NAMES: readonly string[] = Object.values(VARIABLES).map((v) => v.env);

/** The text `--help` prints: every flag, its variable, its default and what it does. */
export function usage(): string {
  const rows = (Object.keys(VARIABLES) as VariableName[]).map((key) => {
    const { env, help } = VARIABLES[key];
    const value: unknown = DEFAULTS[key];
    const shown = Array.isArray(value) ? value.join(',') || 'none' : value === '' ? '(none)' : String(value);
    return [`--${flagName(key)}`, env, shown, help];
  });
  const width = (i: number) => Math.max(...rows.map((r) => (r[i] ?? '').length));
  const lines = rows.map((r) => r.map((cell, i) => (i < 3 ? cell.padEnd(width(i)) : cell)).join('  '));
  return [
    'pushrace: one feed over polling, long-polling, SSE and WebSocket, measured from the sockets.',
    '',
    'usage: npm start -- [--flag value ...]   (or set the environment variable)',
    '',
    ...lines,
    '',
    'Flags override the environment. Details: docs/protocol.md, "Configuration".',
  ].join('\n');
}

/** True when the arguments ask for the usage text instead of a server. */
export function wantsHelp(argv: readonly string[] = process.argv.slice(2)): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/**
 * Builds the configuration: DEFAULTS, then environment variables, then `--flags`, then
 * `overrides` (tests). Throws ConfigError naming the first bad value.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  argv: string[] = process.argv.slice(2),
  overrides: Partial<Config> = {},
): Config {
  const options = Object.fromEntries(Object.keys(VARIABLES).map((k) => [flagName(k), { type: 'string' as const }]));
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  const config = structuredClone(DEFAULTS) as unknown as Config;
  const target = config as unknown as Record<VariableName, unknown>;
  for (const key of Object.keys(VARIABLES) as VariableName[]) {
    const { env: name, schema } = VARIABLES[key];
    const flag = flags[flagName(key)];
    const raw = typeof flag === 'string' ? flag : env[name];
    if (raw === undefined || raw === '') continue;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => i.message).join('; ');
      const from = typeof flag === 'string' ? `--${flagName(key)}` : name;
      throw new ConfigError(`${from}=${JSON.stringify(raw)} is not valid: ${why}`);
    }
    target[key] = parsed.data;
  }
  const result = { ...config, ...overrides };
  if ((result.tlsCert === '') !== (result.tlsKey === '')) {
    throw new ConfigError('TLS needs both --tls-cert (TLS_CERT) and --tls-key (TLS_KEY)');
  }
  if (result.workers > 1 && result.redisUrl === '') {
    throw new ConfigError(
      `WORKERS=${result.workers} needs REDIS_URL (--redis-url): several workers share one feed only through Redis`,
    );
  }
  return result;
}
