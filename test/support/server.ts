import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { type Config, loadConfig } from '../../server/config.ts';
import type { Feed } from '../../server/feed/feed.ts';
import { MemoryFeed } from '../../server/feed/memory-feed.ts';
import { type RunningServer, type StartOptions, startServer } from '../../server/server.ts';

/** Servers started by this file's tests and not closed yet. */
const open = new Set<RunningServer>();

// A test that fails before closing its server would leave the file's process running for
// ever: whatever is still open when the file's tests are done is closed here.
after(() => Promise.all([...open].map((s) => s.close())));

/**
 * With `REDIS_URL` in the environment (`npm run test:redis`), the Redis settings a test server
 * gets: that Redis, under a prefix of its own, so servers of parallel tests never share a feed
 * (each starts empty, as a memory feed would). Nothing without it: the in-memory feed.
 */
export function redisFromEnv(): { redisUrl: string; redisPrefix: string } | Record<string, never> {
  const url = process.env.REDIS_URL;
  return url ? { redisUrl: url, redisPrefix: `test-${process.pid}-${randomBytes(6).toString('hex')}` } : {};
}

/** A quiet test configuration on a free loopback port (its feed on Redis when REDIS_URL is set). */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return loadConfig({}, [], { port: 0, sources: [], logLevel: 'silent', ...redisFromEnv(), ...overrides });
}

/** A quiet server on a free loopback port; the test closes it (or, failing, this file's end does). */
export async function startTestServer(overrides: Partial<Config> = {}, opts?: StartOptions): Promise<RunningServer> {
  const s = await startServer(testConfig(overrides), opts);
  open.add(s);
  const close = s.close.bind(s);
  return Object.assign(s, {
    close: () => {
      open.delete(s);
      return close();
    },
  });
}

/**
 * Publishes `count` bench messages of `body`, as fast as the feed takes them: a memory feed's
 * synchronous publishes, all in one tick (the fan-out of each with no turn of the event loop
 * between them: how the backpressure tests fill kernel buffers), any other feed's (Redis) 50 at
 * a time, as many publishers would (thousands at once could outlast the command timeout).
 */
export async function publishMany(feed: Feed, count: number, body: unknown): Promise<void> {
  if (feed instanceof MemoryFeed) {
    for (let i = 0; i < count; i++) feed.publishSync({ source: 'bench', body });
    return;
  }
  for (let done = 0; done < count; done += 50) {
    const n = Math.min(50, count - done);
    await Promise.all(Array.from({ length: n }, () => feed.publish({ source: 'bench', body })));
  }
}

/**
 * Waits until `check` returns true, checking every 10 ms, failing after `ms`. For state that
 * changes without an event to await (a gauge going back to 0 after a socket closes).
 */
export async function waitFor(check: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** POSTs a chat message over HTTP and returns the parsed answer. */
export async function publish(
  url: string,
  body: unknown,
  init: { id?: string; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify({ body, ...(init.id ? { id: init.id } : {}) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
