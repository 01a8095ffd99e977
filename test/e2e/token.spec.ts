import type { RunningServer } from '../../server/server.ts';
import { chat, expect, ready, serve, TRANSPORTS, test } from './fixtures.ts';

/** A server with PUBLISH_TOKEN: the page asks for the token once and uses it everywhere. */
test.describe('a server that needs its publish token', () => {
  let locked: RunningServer;
  test.beforeAll(async () => {
    locked = await serve({ sources: [], publishToken: 'sesame-open-1234-xyz' });
  });
  test.afterAll(async () => {
    await locked.close();
  });

  test('the first 401 asks for the token; HTTP and the WebSocket lane then publish with it', async ({ page }) => {
    await ready(page, locked.url);
    await chat(page, 'with a token');
    const dialog = page.getByTestId('token-dialog');
    await expect(dialog).toBeVisible();
    await page.getByLabel('Publish token').fill('sesame-open-1234-xyz');
    await page.getByRole('button', { name: 'Use it' }).click();
    await expect(page.getByTestId('control-status')).toHaveText(/published as #\d+/);
    for (const name of TRANSPORTS) {
      await expect(page.locator(`[data-lane="${name}"] li.msg`, { hasText: 'with a token' })).toHaveCount(1);
    }
    // the control routes use it without asking again
    await page.getByRole('button', { name: 'Burst', exact: true }).click();
    await expect(page.getByTestId('control-status')).toHaveText(/burst #\d+–#\d+/);
    // the WebSocket lane reconnected with ?token= and may publish over its socket
    await expect(page.getByTestId('lane-state-ws')).toHaveText('open');
    await chat(page, 'over the socket', 'ws');
    await expect(page.getByTestId('control-status')).toHaveText(/published over the WebSocket as #\d+/);
    // kept for the tab's session only: sessionStorage, never localStorage
    expect(await page.evaluate(() => sessionStorage.getItem('pushrace.token'))).toBe('sesame-open-1234-xyz');
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain('sesame');
    await expect(dialog).toBeHidden();
  });
});
