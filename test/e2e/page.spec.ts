import { chat, expect, ready, TRANSPORTS, test } from './fixtures.ts';

test.describe('the page', () => {
  test('a chat message arrives over each of the four transports, as text even when it holds markup', async ({
    page,
  }) => {
    const errors: string[] = [];
    let dialogs = 0;
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', async (d) => {
      dialogs++;
      await d.dismiss();
    });
    await ready(page);
    const text = `hello every transport <img src=x onerror=alert(1)> ${Date.now()}`;
    await chat(page, text);
    for (const name of TRANSPORTS) {
      const row = page.locator(`[data-lane="${name}"] li.msg`, { hasText: text });
      await expect(row).toHaveCount(1, { timeout: 10_000 });
      await expect(row.locator('.latency')).toHaveText(/^\d+(\.\d)? ms$/);
      await expect(row.locator('.body')).toHaveText(text);
    }
    await expect(page.locator('main img')).toHaveCount(0);
    expect(dialogs).toBe(0);
    expect(errors).toEqual([]);
  });
});
