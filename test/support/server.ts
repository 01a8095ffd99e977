import { type Config, loadConfig } from '../../server/config.ts';
import { type RunningServer, startServer } from '../../server/server.ts';

/** A quiet server on a free loopback port; the test closes it. */
export function startTestServer(overrides: Partial<Config> = {}): Promise<RunningServer> {
  return startServer(loadConfig({}, [], { port: 0, sources: [], logLevel: 'silent', ...overrides }));
}

/**
 * Waits until `check` returns true, checking every 10 ms, failing after `ms`. For state that
 * changes without an event to await (a gauge going back to 0 after a socket closes).
 */
export async function waitFor(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
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
