import { expect, type Page, test } from '@playwright/test';

const TRANSPORTS = ['poll', 'long-poll', 'sse', 'ws'] as const;

async function ready(page: Page) {
  await page.goto('/');
  for (const name of TRANSPORTS) await expect(page.getByTestId(`lane-state-${name}`)).toHaveText(/open|waiting/);
}

/** Seqs of the single view's rows, oldest first. */
async function singleSeqs(page: Page): Promise<number[]> {
  const seqs = await page
    .locator('#single-feed li.msg')
    .evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.seq)));
  return seqs.reverse();
}

test.describe('the dashboard', () => {
  test('a burst shows every message in every lane', async ({ page }) => {
    await ready(page);
    await page.getByLabel('Burst size').fill('100');
    await page.getByRole('button', { name: 'Burst', exact: true }).click();
    await expect(page.getByTestId('control-status')).toHaveText(/burst #\d+–#\d+/);
    const status = (await page.getByTestId('control-status').textContent()) ?? '';
    const [, first, last] = /#(\d+)–#(\d+)/.exec(status) ?? [];
    expect(Number(last) - Number(first)).toBe(99);
    for (const name of TRANSPORTS) {
      const rows = page.locator(`[data-lane="${name}"] li.msg`, { hasText: /^#\d+.*burst \d+\/100$/ });
      await expect(rows).toHaveCount(100, { timeout: 15_000 });
      const seqs = await rows.evaluateAll((rs) => rs.map((r) => Number((r as HTMLElement).dataset.seq)));
      expect(new Set(seqs).size).toBe(100);
      expect(Math.min(...seqs)).toBe(Number(first));
      expect(Math.max(...seqs)).toBe(Number(last));
      await expect(page.locator(`[data-lane="${name}"] li.gap`)).toHaveCount(0);
    }
  });

  test('a paused lane catches up on resume with no gap', async ({ page }) => {
    await ready(page);
    const lane = page.locator('[data-lane="sse"]');
    await lane.getByRole('button', { name: /Pause/ }).click();
    await expect(page.getByTestId('lane-state-sse')).toHaveText('paused');
    const text = `while paused ${Date.now()}`;
    await page.getByLabel('Chat').fill(text);
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(page.locator('[data-lane="ws"] li.msg', { hasText: text })).toHaveCount(1);
    await expect(lane.locator('li.msg', { hasText: text })).toHaveCount(0);
    await lane.getByRole('button', { name: /Resume/ }).click();
    await expect(lane.locator('li.msg', { hasText: text })).toHaveCount(1, { timeout: 10_000 });
    await expect(lane.locator('li.gap')).toHaveCount(0);
  });

  test('switching transports in the single view loses and duplicates nothing over 50 messages', async ({
    page,
  }, info) => {
    await ready(page);
    await page.getByRole('tab', { name: 'Single' }).click();
    await expect(page.getByTestId('single-state')).toHaveText(/open|waiting/);
    const order = ['poll', 'long-poll', 'sse', 'ws', 'long-poll', 'poll', 'ws', 'sse', 'poll', 'ws'] as const;
    const sent: number[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await page.request.post('/api/messages', { data: { body: `single ${i}` } });
      sent.push(((await res.json()) as { seq: number }).seq);
      if (i % 5 === 4) await page.locator(`#single-switcher input[value="${order[(i - 4) / 5]}"]`).check();
    }
    await expect(page.locator('#single-feed li.msg', { hasText: 'single 49' })).toHaveCount(1, { timeout: 15_000 });
    const seqs = await singleSeqs(page);
    // every seq from the first shown to the last, once each, in order (ticker messages included)
    const first = seqs[0] ?? 0;
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => first + i));
    for (const s of sent) expect(seqs).toContain(s);
    await page.screenshot({ path: info.outputPath('single.png') });
  });

  test('the language switch changes the labels and is remembered', async ({ page }) => {
    await ready(page);
    await page.getByLabel('Language').selectOption('zh');
    await expect(page.getByRole('tab', { name: '竞速' })).toBeVisible();
    await expect(page.getByRole('button', { name: '发布' })).toBeVisible();
    await expect(page.getByTestId('lane-state-ws')).toHaveText('已打开');
    await page.reload();
    await expect(page.getByRole('tab', { name: '图表' })).toBeVisible();
    await page.getByLabel('语言').selectOption('en');
    await expect(page.getByRole('tab', { name: 'Charts' })).toBeVisible();
  });

  test('the charts show the measurements and the model', async ({ page }, info) => {
    await ready(page);
    await page.getByRole('tab', { name: 'Charts' }).click();
    await page.getByLabel('Chat').fill('for the charts');
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(page.locator('#waste tr[data-transport="ws"] td').nth(3)).not.toHaveText('0', { timeout: 10_000 });
    await expect(page.getByTestId('model-poll')).toContainText('500 ms');
    await expect(page.getByTestId('model-ws')).toContainText(/: 2 bytes/);
    await page.screenshot({ path: info.outputPath('charts.png'), fullPage: true });
  });

  test('the inspector shows a Sec-WebSocket-Accept that matches the derivation', async ({ page }, info) => {
    await ready(page);
    await page.getByRole('tab', { name: 'Wire inspector' }).click();
    const verdict = page.getByTestId('accept-match');
    await expect(verdict).toHaveAttribute('data-match', 'true', { timeout: 10_000 });
    const derived = await page.getByTestId('accept-derived').textContent();
    await expect(page.getByTestId('accept-server')).toHaveText(derived ?? '-');
    await expect(page.locator('[data-inspect="ws"] .scope')).toHaveText(/this page/);
    await expect(page.getByTestId('req-poll')).toContainText('GET /api/poll?');
    await expect(page.getByTestId('res-poll')).toContainText('HTTP/1.1 200 OK');
    await page.screenshot({ path: info.outputPath('inspector.png'), fullPage: true });
  });
});
