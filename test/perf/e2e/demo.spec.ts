import { chat, expect, ready, test } from '../../e2e/fixtures.ts';

/** The live p99 (ms) of a transport in the percentile table. */
async function p99(page: import('@playwright/test').Page, name: string): Promise<number> {
  return Number.parseFloat(
    (await page.locator(`#percentiles tr[data-transport="${name}"] td`).nth(3).textContent()) ?? '',
  );
}

/**
 * The README demo's timing, in its order on the default feed: after a burst and a 3-s pause of
 * the SSE lane, SSE's live p99 is still a push transport's (well under a second: the catch-up's
 * seconds are counted apart), and after "poll interval 200 ms" the model card's measured mean
 * is the new T/2 (the old samples left with the old window).
 */
test('the README demo: live p99 stays live after burst and pause; the new poll interval is measured alone', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await ready(page);
  await chat(page, 'hello');
  await page.getByRole('button', { name: 'Burst', exact: true }).click();
  await expect(page.getByTestId('control-status')).toHaveText(/burst #\d+–#\d+/, { timeout: 15_000 });
  const sse = page.locator('[data-lane="sse"]');
  await sse.getByRole('button', { name: /Pause/ }).click();
  await chat(page, 'while paused');
  await page.waitForTimeout(3000);
  await sse.getByRole('button', { name: /Resume/ }).click();
  await expect(sse.locator('li.msg', { hasText: 'while paused' })).toHaveAttribute('data-kind', 'catch-up');
  await page.getByRole('tab', { name: 'Charts' }).click();
  await page.waitForTimeout(2000);
  expect(await p99(page, 'sse')).toBeLessThan(1000);
  expect(await p99(page, 'ws')).toBeLessThan(1000);

  await page.getByLabel('Poll interval (ms)').fill('200');
  await page.getByRole('button', { name: 'Apply to lanes' }).click();
  await page.waitForTimeout(30_000);
  const text = (await page.getByTestId('model-poll').textContent()) ?? '';
  const mean = Number(/Measured mean: ([\d.]+) ms/.exec(text)?.[1]);
  console.log(text);
  // ~30 samples of a uniform wait on [0, 200 ms]: standard error ~11 ms
  expect(mean).toBeGreaterThanOrEqual(60);
  expect(mean).toBeLessThanOrEqual(140);
});
