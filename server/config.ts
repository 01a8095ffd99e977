import { parseArgs } from 'node:util';
import { z } from 'zod';

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
  /** Ticker period in ms (a value every second, like a stock ticker). */
  tickerIntervalMs: 1000,
  /** Publishes a second per client connection and per IP; 0 = unlimited (the load harness). */
  publishRate: 100,
  /** Largest number of messages one poll/long-poll answer carries. */
  readLimit: 1000,
  longPollTimeoutMs: 25_000,
  longPollMaxTimeoutMs: 60_000,
  /** SSE comment heartbeat, below common proxy idle timeouts (30-60 s). */
  sseHeartbeatMs: 15_000,
  /** SSE `retry:` hint for EventSource reconnects. */
  sseRetryMs: 1000,
  /** Largest accepted HTTP body (POST /api/messages). */
  maxBodyBytes: 16 * 1024,
  /** Largest `body` of one message, serialized as JSON. */
  maxMessageBytes: 8 * 1024,
  /** ws `maxPayload`: a bigger frame closes the connection with 1009. */
  wsMaxPayload: 64 * 1024,
  /** Where the built dashboard lives. */
  pageDir: 'dist/page',
} as const;

export type Config = {
  -readonly [K in keyof typeof DEFAULTS]: (typeof DEFAULTS)[K] extends readonly (infer U)[]
    ? U[]
    : (typeof DEFAULTS)[K] extends number
      ? number
      : (typeof DEFAULTS)[K] extends string
        ? string
        : (typeof DEFAULTS)[K];
};

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

const originSchema = z
  .string()
  .regex(/^https?:\/\/[^/\s]+$/, 'an origin is scheme://host[:port] with no path, e.g. http://example.com:8080');

/** Flags and the environment variables they mirror. */
const VARIABLES = {
  port: { env: 'PORT', schema: int(0, 65535) },
  host: { env: 'HOST', schema: z.string().min(1) },
  sources: {
    env: 'SOURCES',
    schema: z
      .string()
      .transform(list)
      .pipe(z.array(z.enum(['ticker', 'log', 'none'])))
      .transform((xs) => xs.filter((x): x is 'ticker' | 'log' => x !== 'none')),
  },
  historySize: { env: 'HISTORY_SIZE', schema: int(1, 10_000_000) },
  allowedOrigins: { env: 'ALLOWED_ORIGINS', schema: z.string().transform(list).pipe(z.array(originSchema)) },
  logRate: { env: 'LOG_RATE', schema: z.coerce.number().min(0).max(10_000) },
  publishRate: { env: 'PUBLISH_RATE', schema: z.coerce.number().min(0).max(1_000_000) },
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
  return { ...config, ...overrides };
}
