import type { Page } from '@playwright/test';
import { chat, expect, ready, test } from './fixtures.ts';

/** Seqs of the single view's rows, oldest first. */
async function singleSeqs(page: Page): Promise<number[]> {
  const seqs = await page
    .locator('#single-feed li.msg')
    .evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.seq)));
  return seqs.reverse();
}

test.describe('the dashboard', () => {
  test('switching transports in the single view loses and duplicates nothing over 30 messages and 10 switches, and marks each switch', async ({
    page,
  }) => {
    await ready(page);
    await page.getByRole('tab', { name: 'Single' }).click();
    await expect(page.getByTestId('single-state')).toHaveText(/open|waiting/);
    const order = ['poll', 'long-poll', 'sse', 'ws', 'long-poll', 'poll', 'ws', 'sse', 'poll', 'ws'] as const;
    const sent: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await page.request.post('/api/messages', { data: { body: `single ${i}` } });
      sent.push(((await res.json()) as { seq: number }).seq);
      if (i % 3 === 2) await page.locator(`#single-switcher input[value="${order[(i - 2) / 3]}"]`).check();
    }
    await expect(page.locator('#single-feed li.msg', { hasText: 'single 29' })).toHaveCount(1, { timeout: 15_000 });
    const seqs = await singleSeqs(page);
    // every seq from the first shown to the last, once each, in order (ticker messages included)
    const first = seqs[0] ?? 0;
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => first + i));
    for (const s of sent) expect(seqs).toContain(s);
    // each switch is a row naming both transports; each message row names the one that brought it
    const marks = await page
      .locator('#single-feed li.switch')
      .evaluateAll((rows) => rows.map((r) => `${(r as HTMLElement).dataset.from}>${(r as HTMLElement).dataset.to}`));
    const expected = ['ws', ...order].slice(0, -1).map((from, i) => `${from}>${order[i]}`);
    expect(marks.reverse()).toEqual(expected);
    const untagged = page.locator('#single-feed li.msg:not([data-transport])');
    await expect(untagged).toHaveCount(0);
    await expect(page.locator('#single-feed li.msg .via').first()).toBeVisible();
  });

  test('the language switch is remembered; at 800 px in Chinese the lanes wrap to two columns and buttons keep their words', async ({
    page,
  }) => {
    await page.setViewportSize({ width: 800, height: 900 });
    await ready(page);
    await page.getByLabel('Language').selectOption('zh');
    await expect(page.getByRole('tab', { name: '竞速' })).toBeVisible();
    await expect(page.getByRole('button', { name: '发布' })).toBeVisible();
    await expect(page.getByTestId('lane-state-ws')).toHaveText('已打开');
    await page.reload();
    await expect(page.getByRole('tab', { name: '图表' })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800);
    const tops = await page.locator('.lane:visible').evaluateAll((ls) => ls.map((l) => l.getBoundingClientRect().top));
    expect(new Set(tops.map(Math.round)).size).toBe(2);
    const squeezed = await page
      .locator('button:visible')
      .evaluateAll((bs) =>
        bs
          .filter(
            (b) => b.getBoundingClientRect().height > (Number.parseFloat(getComputedStyle(b).lineHeight) || 20) * 1.8,
          )
          .map((b) => b.textContent),
      );
    expect(squeezed).toEqual([]);
    await page.getByLabel('语言').selectOption('en');
    await expect(page.getByRole('tab', { name: 'Charts' })).toBeVisible();
  });

  test('the charts show the measurements, the model, whose counters each column is, and a phase lock', async ({
    page,
  }) => {
    await ready(page);
    await page.getByRole('tab', { name: 'Charts' }).click();
    await chat(page, 'for the charts');
    await expect(page.locator('#waste tr[data-transport="ws"] td').nth(3)).not.toHaveText('0', { timeout: 10_000 });
    await expect(page.getByTestId('model-poll')).toContainText('500 ms');
    await expect(page.getByTestId('model-ws')).toContainText(/: 2 bytes/);
    await expect(page.locator('#waste tr.scopes')).toContainText('server: every client');
    await expect(page.locator('#waste tr.scopes')).toContainText('this tab');
    await expect(page.getByTestId('window')).toHaveAttribute('data-reason', 'start');

    // fixed timing with a poll interval equal to the ticker period: the page says it is phase-locked
    const note = page.getByTestId('phase-note');
    await expect(note).toBeHidden();
    await page.locator('#timing').selectOption('fixed');
    await page.getByRole('button', { name: 'Apply to server' }).click();
    await expect(page.getByTestId('control-status')).toContainText('fixed');
    await expect(note).toBeVisible();
    await expect(note).toContainText('Phase-locked');
    await expect(page.getByTestId('model-locked')).toBeVisible();
    await expect(page.getByTestId('window')).toHaveAttribute('data-reason', 'feed');
    // a poll interval that is not a multiple of the period unlocks it
    await page.getByLabel('Poll interval (ms)').fill('700');
    await page.getByRole('button', { name: 'Apply to lanes' }).click();
    await expect(note).toBeHidden();
    await page.locator('#timing').selectOption('random');
    await page.getByRole('button', { name: 'Apply to server' }).click();
    await expect(page.getByTestId('control-status')).toContainText('random');
  });
});
