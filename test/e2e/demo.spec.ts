import { chat, expect, ready, TRANSPORTS, test } from './fixtures.ts';

/**
 * The README's two-minute demo, step by step in its order, on default settings: whatever the
 * presenter clicked before, the live statistics hold only live deliveries (a paused lane's
 * catch-up and a burst's backlog are counted apart), and a changed poll interval starts a new
 * measurement window.
 */
test('the README demo in order: catch-up and burst stay out of the live statistics', async ({ page }) => {
  // 1. Race: a chat message reaches every lane.
  await ready(page);
  await chat(page, 'hello');
  for (const name of TRANSPORTS) {
    await expect(page.locator(`[data-lane="${name}"] li.msg`, { hasText: /hello$/ })).toHaveCount(1);
  }
  // 2. Timeline: a legend that names what is drawn.
  await expect(page.getByTestId('timeline-legend').locator('li')).toHaveCount(8);
  // 3. Burst (100): every lane gets every one of them, once, with no gap, marked as a burst.
  await page.getByLabel('Burst size').fill('100');
  // rows are drawn once per animation frame, not once per message: count the list's insertions
  await page.locator('[data-lane="ws"] ol').evaluate((list: HTMLElement) => {
    list.dataset.inserts = '0';
    new MutationObserver((records) => {
      list.dataset.inserts = String(Number(list.dataset.inserts) + records.filter((r) => r.addedNodes.length).length);
    }).observe(list, { childList: true });
  });
  await page.getByRole('button', { name: 'Burst', exact: true }).click();
  await expect(page.getByTestId('control-status')).toHaveText(/burst #\d+–#\d+/);
  const [, first, last] = /#(\d+)–#(\d+)/.exec((await page.getByTestId('control-status').textContent()) ?? '') ?? [];
  // 100 seqs from first to last; the ticker's messages may interleave (the burst is published in slices)
  expect(Number(last) - Number(first)).toBeGreaterThanOrEqual(99);
  for (const name of TRANSPORTS) {
    const rows = page.locator(`[data-lane="${name}"] li.msg`, { hasText: /^#\d+.*burst \d+\/100$/ });
    await expect(rows).toHaveCount(100, { timeout: 15_000 });
    const seqs = await rows.evaluateAll((rs) => rs.map((r) => Number((r as HTMLElement).dataset.seq)));
    expect(new Set(seqs).size).toBe(100);
    expect(Math.min(...seqs)).toBe(Number(first));
    expect(Math.max(...seqs)).toBe(Number(last));
    await expect(page.locator(`[data-lane="${name}"] li.gap`)).toHaveCount(0);
    await expect(rows.and(page.locator('[data-kind="burst"]'))).toHaveCount(100);
  }
  const inserts = Number(await page.locator('[data-lane="ws"] ol').getAttribute('data-inserts'));
  expect(inserts).toBeGreaterThan(0);
  expect(inserts).toBeLessThan(50); // 100 messages, each its own WebSocket frame and callback
  // 4. Pause SSE, publish, resume: it catches up with no gap, and the row says it was a catch-up.
  const sse = page.locator('[data-lane="sse"]');
  await sse.getByRole('button', { name: /Pause/ }).click();
  await expect(page.getByTestId('lane-state-sse')).toHaveText('paused');
  await chat(page, 'while paused');
  await expect(page.locator('[data-lane="ws"] li.msg', { hasText: 'while paused' })).toHaveCount(1);
  await page.waitForTimeout(1500); // the pause itself is the lesson: its length is the catch-up's latency
  await sse.getByRole('button', { name: /Resume/ }).click();
  const caughtUp = sse.locator('li.msg', { hasText: 'while paused' });
  await expect(caughtUp).toHaveAttribute('data-kind', 'catch-up', { timeout: 10_000 });
  await expect(sse.locator('li.gap')).toHaveCount(0);
  const catchUpMs = Number.parseFloat((await caughtUp.locator('.latency').textContent()) ?? '');
  expect(catchUpMs).toBeGreaterThan(1500);

  // 5. Charts: the catch-up and the burst are counted apart; the live p99 does not contain them.
  await page.getByRole('tab', { name: 'Charts' }).click();
  const row = page.locator('#percentiles tr[data-transport="sse"]');
  await expect(row.locator('td.apart')).toHaveAttribute('data-catch-up', /^[1-9]/);
  expect(Number(await row.locator('td.apart').getAttribute('data-burst'))).toBeGreaterThanOrEqual(100);
  const p99 = Number.parseFloat((await row.locator('td').nth(3).textContent()) ?? '');
  expect(p99).toBeLessThan(catchUpMs);
  // every row of the lane is counted once: live + catch-up + burst
  await expect
    .poll(async () =>
      page.evaluate(() => {
        const cells = document.querySelectorAll<HTMLElement>('#percentiles tr[data-transport="sse"] td');
        const live = Number(cells[0]?.textContent);
        const apart = document.querySelector<HTMLElement>('#percentiles tr[data-transport="sse"] td.apart');
        const rows = document.querySelectorAll('[data-lane="sse"] li.msg').length;
        return live + Number(apart?.dataset.catchUp) + Number(apart?.dataset.burst) - rows;
      }),
    )
    .toBe(0);
  // Poll interval 200 ms: a new measurement window, the model moves.
  await page.getByLabel('Poll interval (ms)').fill('200');
  await page.getByRole('button', { name: 'Apply to lanes' }).click();
  await expect(page.getByTestId('window')).toHaveAttribute('data-reason', 'poll');
  await expect(page.getByTestId('model-poll')).toContainText('Polling every 200 ms');
  await expect(row.locator('td.apart')).toHaveAttribute('data-burst', '0');

  // 6. Inspector: the handshake checks out.
  await page.getByRole('tab', { name: 'Wire inspector' }).click();
  await expect(page.getByTestId('accept-match')).toHaveAttribute('data-match', 'true', { timeout: 10_000 });
});
