import { type BrowserContext, test as base, expect, type Page } from '@playwright/test';
import { type Config, loadConfig } from '../../server/config.ts';
import { type RunningServer, startServer } from '../../server/server.ts';

export { expect };

/** The race view's lanes, in the page's order. */
export const TRANSPORTS = ['poll', 'long-poll', 'sse', 'ws'] as const;

/**
 * A server in the test's own process, on a free port, with no publish rate limit (tests publish
 * faster than a person), silent. In-process rather than a child: no second TypeScript start-up
 * per spec on a 2-core machine. (restart.spec.ts, which kills its server, spawns one.)
 */
export function serve(overrides: Partial<Config> = {}): Promise<RunningServer> {
  return startServer(loadConfig({}, [], { port: 0, publishRate: 0, logLevel: 'silent', ...overrides }));
}

/**
 * `test` with a server per worker, on the default feed (the ticker, random timing), as
 * `baseURL`. Workers share nothing, so specs run two at a time; a test that changes the
 * server's settings puts them back.
 */
export const test = base.extend<object, { server: RunningServer }>({
  server: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright's fixture signature
    async ({}, use) => {
      const server = await serve({ sources: ['ticker'] });
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ server }, use) => use(server.url),
});

/** Opens the page at `url` and waits until every lane is connected. */
export async function ready(page: Page, url = '/'): Promise<void> {
  await page.goto(url);
  for (const name of TRANSPORTS) {
    await expect(page.locator(`[data-lane="${name}"]`)).toHaveAttribute('data-state', /^(open|waiting)$/);
  }
}

/** Opens `n` tabs of the page at `url` in one browser context (one connection pool), each ready. */
export async function openTabs(context: BrowserContext, url: string, n = 3): Promise<Page[]> {
  const tabs: Page[] = [];
  for (let i = 0; i < n; i++) {
    const page = await context.newPage();
    await ready(page, url);
    tabs.push(page);
  }
  return tabs;
}

/** Publishes `text` from the chat box (over HTTP unless `via` says otherwise). */
export async function chat(page: Page, text: string, via: 'http' | 'ws' = 'http'): Promise<void> {
  await page.locator('#publish-via').selectOption(via);
  await page.getByLabel('Chat').fill(text);
  await page.getByRole('button', { name: 'Publish' }).click();
}
