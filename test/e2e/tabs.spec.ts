import type { RunningServer } from '../../server/server.ts';
import { chat, expect, openTabs, serve, TRANSPORTS, test } from './fixtures.ts';

/**
 * Several tabs of the page in one browser (one Playwright context shares one connection pool,
 * as the tabs of one browser window do), on a quiet feed. Chromium opens six HTTP/1.1
 * connections per host and each race tab holds two (SSE, long-poll): by default each tab's
 * lanes use a host name of their own, so a third tab works; with "one host for every tab" the
 * third fills the pool, and the page says so. Behaviour only, with generous bounds; the 3-s
 * delivery verdict is in test/perf/e2e/tabs.spec.ts.
 */
test.describe('three tabs', () => {
  let quiet: RunningServer;
  test.beforeAll(async () => {
    quiet = await serve({ sources: [] });
  });
  test.afterAll(async () => {
    await quiet.close();
  });

  test('each tab has its own lane host so a third works; on one host, the third fills the pool and every tab says why', async ({
    context,
  }) => {
    const tabs = await openTabs(context, quiet.url);
    const [first, , third] = tabs;
    if (!first || !third) throw new Error('three tabs');
    await expect(third.getByTestId('hosts-note')).toHaveAttribute('data-limit', 'false');
    await expect(third.getByTestId('hosts-note')).toContainText('.localhost');
    await chat(third, 'from the third tab');
    await expect(third.getByTestId('control-status')).toHaveText(/published as #\d+/, { timeout: 20_000 });
    for (const tab of tabs) {
      for (const name of TRANSPORTS) {
        await expect(tab.locator(`[data-lane="${name}"] li.msg`, { hasText: 'from the third tab' })).toHaveCount(1, {
          timeout: 20_000,
        });
      }
    }

    // the lesson on purpose: every tab back on the page's own host
    for (const tab of tabs) await tab.locator('#one-host').check();
    for (const tab of tabs) {
      const note = tab.getByTestId('hosts-note');
      await expect(note).toHaveAttribute('data-limit', 'true', { timeout: 20_000 });
      await expect(note).toContainText('Browser limit reached');
      expect(new URL(tab.url()).searchParams.get('hosts')).toBe('one');
    }
  });
});
