import type { Page } from '@playwright/test';
import { chat, expect, openTabs, serve, TRANSPORTS, test } from '../../e2e/fixtures.ts';

/**
 * Issue 12's three-tab verdict, on a quiet feed (`SOURCES=none`): three tabs of the page in one
 * browser (one connection pool), every lane of every tab receives a published message within
 * 3 s, and a chat published from the third tab reaches every lane of the first within 3 s.
 */
test('three tabs on a quiet feed: every tab within 3 s, a chat from the third at the first within 3 s', async ({
  context,
}) => {
  const server = await serve({ sources: [] });
  try {
    const tabs = await openTabs(context, server.url);
    const [first, , third] = tabs;
    if (!first || !third) throw new Error('three tabs');
    const arrivedEverywhere = async (pages: Page[], text: string) => {
      for (const tab of pages) {
        for (const name of TRANSPORTS) {
          await expect(tab.locator(`[data-lane="${name}"] li.msg`, { hasText: text })).toHaveCount(1, {
            timeout: 3000,
          });
        }
      }
    };

    let started = Date.now();
    const res = await first.request.post(`${server.url}/api/messages`, { data: { body: 'to every tab' } });
    expect(res.status()).toBe(201);
    await arrivedEverywhere(tabs, 'to every tab');
    expect(Date.now() - started).toBeLessThanOrEqual(3000);

    started = Date.now();
    await chat(third, 'from the third tab');
    await arrivedEverywhere([first], 'from the third tab');
    expect(Date.now() - started).toBeLessThanOrEqual(3000);
  } finally {
    await server.close();
  }
});
