import { after } from 'node:test';
import { type Config, loadConfig } from '../../server/config.ts';
import { type RunningServer, startServer } from '../../server/server.ts';

/** Servers started by this file's tests and not closed yet. */
const open = new Set<RunningServer>();

// A test that fails before closing its server would leave the file's process running for
// ever: whatever is still open when the file's tests are done is closed here.
after(() => Promise.all([...open].map((s) => s.close())));

/** A quiet server on a free loopback port; the test closes it (or, failing, this file's end does). */
export async function startTestServer(overrides: Partial<Config> = {}): Promise<RunningServer> {
  const s = await startServer(loadConfig({}, [], { port: 0, sources: [], logLevel: 'silent', ...overrides }));
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
