import { expect, test } from '@playwright/test';

const TRANSPORTS = ['poll', 'long-poll', 'sse', 'ws'] as const;

test.describe('the page', () => {
  test('a published chat message arrives over each of the four transports', async ({ page }, info) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/');
    for (const name of TRANSPORTS) {
      await expect(page.getByTestId(`lane-state-${name}`)).toHaveText(/open|waiting/);
    }
    const text = `hello every transport ${Date.now()}`;
    await page.getByLabel('Chat').fill(text);
    await page.getByRole('button', { name: 'Publish' }).click();
    for (const name of TRANSPORTS) {
      const row = page.locator(`[data-lane="${name}"] li.msg`, { hasText: text });
      await expect(row).toHaveCount(1, { timeout: 10_000 });
      await expect(row.locator('.latency')).toHaveText(/^\d+(\.\d)? ms$/);
    }
    await page.screenshot({ path: info.outputPath('race.png') });
    expect(errors).toEqual([]);
  });

  test('a chat message with markup shows as text and runs nothing', async ({ page }) => {
    let dialogs = 0;
    page.on('dialog', async (d) => {
      dialogs++;
      await d.dismiss();
    });
    await page.goto('/');
    await expect(page.getByTestId('lane-state-ws')).toHaveText('open');
    const text = `<img src=x onerror=alert(1)> ${Date.now()}`;
    await page.getByLabel('Chat').fill(text);
    await page.getByRole('button', { name: 'Publish' }).click();
    for (const name of TRANSPORTS) {
      await expect(page.locator(`[data-lane="${name}"] li .body`, { hasText: text })).toHaveCount(1, {
        timeout: 10_000,
      });
    }
    await expect(page.locator('main img')).toHaveCount(0);
    expect(dialogs).toBe(0);
  });
});
