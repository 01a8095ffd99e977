import { expect, test } from '@playwright/test';

const TRANSPORTS = ['poll', 'long-poll', 'sse', 'ws'] as const;

test.describe('the first page', () => {
  for (const name of TRANSPORTS) {
    test(`a published chat message arrives over ${name}`, async ({ page }, info) => {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto('/');
      await page.locator(`input[name=transport][value="${name}"]`).check();
      await expect(page.locator('body')).toHaveAttribute('data-transport', name);
      await expect(page.getByTestId('state')).toHaveText(/open|waiting/);

      const text = `hello over ${name} ${Date.now()}`;
      await page.getByLabel('Chat').fill(text);
      await page.getByRole('button', { name: 'Publish' }).click();

      const row = page.locator(`#feed li[data-transport="${name}"]`, { hasText: text });
      await expect(row).toHaveCount(1, { timeout: 10_000 });
      await expect(row.locator('.latency')).toHaveText(/^\d+\.\d ms$/);
      await page.screenshot({ path: info.outputPath(`page-${name}.png`) });
      expect(errors).toEqual([]);
    });
  }

  test('a chat message with markup shows as text and runs nothing', async ({ page }) => {
    let dialogs = 0;
    page.on('dialog', async (d) => {
      dialogs++;
      await d.dismiss();
    });
    await page.goto('/');
    const text = `<img src=x onerror=alert(1)> ${Date.now()}`;
    await page.getByLabel('Chat').fill(text);
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(page.locator('#feed li .body', { hasText: text })).toHaveCount(1, { timeout: 10_000 });
    await expect(page.locator('#feed img')).toHaveCount(0);
    expect(dialogs).toBe(0);
  });

  test('the counters table shows all four transports', async ({ page }) => {
    await page.goto('/');
    for (const name of TRANSPORTS) await expect(page.locator(`#stats tr[data-transport="${name}"]`)).toBeVisible();
  });
});
