import { type ServerChild, spawnServer } from '../support/child.ts';
import { expect, TRANSPORTS, test } from './fixtures.ts';

/**
 * The classroom fault: the server is killed (SIGKILL) in the middle of a demo and started
 * again on the same port. The page is not reloaded: every lane must reconnect by itself, show
 * the reset (the new server's history is not the old one's) as a row of its own, and go on
 * receiving — never a silent gap. A chat published meanwhile says "server unreachable,
 * retrying" and goes out once the server is back. Its own server child, so killing it spares
 * the worker's.
 */
test.describe('a server restart under the dashboard', () => {
  const children: ServerChild[] = [];
  test.afterEach(() => {
    for (const c of children.splice(0)) c.proc.kill('SIGKILL');
  });

  test('every lane reconnects, shows one reset, and receives what is published after', async ({ page }) => {
    const quiet = { SOURCES: 'none', PUBLISH_RATE: '0' };
    const first = await spawnServer(['--port', '0'], quiet);
    children.push(first);
    const port = new URL(first.url).port;
    await page.goto(first.url);
    for (const name of TRANSPORTS) await expect(page.getByTestId(`lane-state-${name}`)).toHaveText(/open|waiting/);

    await page.getByLabel('Chat').fill('before the crash');
    await page.getByRole('button', { name: 'Publish' }).click();
    for (const name of TRANSPORTS) {
      await expect(page.locator(`[data-lane="${name}"] li.msg`, { hasText: 'before the crash' })).toHaveCount(1);
    }

    first.proc.kill('SIGKILL');
    await first.exited;
    for (const name of TRANSPORTS) {
      await expect(page.getByTestId(`lane-state-${name}`)).toHaveText(/reconnecting|connecting/, { timeout: 10_000 });
    }
    await expect(page.locator('[data-lane="ws"] button.reconnect')).toBeVisible();
    await page.getByLabel('Chat').fill('while the server is down');
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(page.getByTestId('control-status')).toHaveText(/server unreachable, retrying/);

    const second = await spawnServer(['--port', port], quiet);
    await expect(page.getByTestId('control-status')).toHaveText(/published as #\d+/, { timeout: 15_000 });
    children.push(second);
    for (const name of TRANSPORTS) {
      await expect(page.locator(`[data-lane="${name}"] li.reset`)).toHaveCount(1, { timeout: 15_000 });
      await expect(page.getByTestId(`lane-state-${name}`)).toHaveText(/open|waiting/);
    }
    await page.getByLabel('Chat').fill('after the restart');
    await page.getByRole('button', { name: 'Publish' }).click();
    for (const name of TRANSPORTS) {
      const lane = page.locator(`[data-lane="${name}"]`);
      await expect(lane.locator('li.msg', { hasText: 'after the restart' })).toHaveCount(1, { timeout: 10_000 });
      await expect(lane.locator('li.msg', { hasText: 'before the crash' })).toHaveCount(1);
      await expect(lane.locator('li.reset')).toHaveCount(1);
      await expect(lane.locator('li.gap')).toHaveCount(0);
    }
  });
});
