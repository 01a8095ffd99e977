import { expect, ready, test } from './fixtures.ts';

test.describe('the wire inspector', () => {
  test('derives Sec-WebSocket-Accept, shows the key line without scrolling, cuts no header at 1280–1440 px', async ({
    page,
  }) => {
    await ready(page);
    await page.getByRole('tab', { name: 'Wire inspector' }).click();
    await expect(page.getByTestId('accept-match')).toHaveAttribute('data-match', 'true', { timeout: 10_000 });
    const derived = await page.getByTestId('accept-derived').textContent();
    await expect(page.getByTestId('accept-server')).toHaveText(derived ?? '-');
    await expect(page.locator('[data-inspect="ws"] .scope')).toHaveText(/this page/);
    await expect(page.getByTestId('req-poll')).toContainText('GET /api/poll?');
    await expect(page.getByTestId('res-poll')).toContainText('HTTP/1.1 200 OK');
    const head = page.getByTestId('req-ws');
    await expect(head.locator('mark', { hasText: /^Sec-WebSocket-Key: / })).toBeVisible();
    expect(await head.evaluate((e) => e.scrollHeight - e.clientHeight)).toBeLessThanOrEqual(1);
    for (const width of [1280, 1440]) {
      await page.setViewportSize({ width, height: 800 });
      const cut = await page.locator('[data-inspect="ws"] .frames').evaluateAll((boxes) =>
        boxes.flatMap((box) => {
          const out: string[] = [];
          if (box.scrollWidth > box.clientWidth + 1)
            out.push(`table overflows by ${box.scrollWidth - box.clientWidth}px`);
          for (const th of box.querySelectorAll('th'))
            if (th.scrollWidth > th.clientWidth + 1) out.push(th.textContent ?? '');
          return out;
        }),
      );
      expect(cut, `${width} px`).toEqual([]);
    }
  });

  test('a frame sent over the WebSocket shows its 4 mask bytes; a close frame its code and reason', async ({
    page,
  }) => {
    await ready(page);
    // restart the lanes: the old socket sends a close frame (1000 "client stopped")
    await page.getByRole('button', { name: 'Apply to lanes' }).click();
    await expect(page.getByTestId('lane-state-ws')).toHaveText('open');
    await page.getByRole('tab', { name: 'Wire inspector' }).click();
    await page.getByRole('button', { name: 'Send a frame over this page’s WebSocket' }).click();
    await expect(page.getByTestId('control-status')).toHaveText(/published over the WebSocket as #\d+/);
    const framesIn = page.locator('[data-inspect="ws"] .frames').nth(1);
    const sent = framesIn.locator('tr', { hasText: 'hello over the WebSocket' });
    await expect(sent).toHaveCount(1, { timeout: 10_000 });
    await expect(sent.locator('td').nth(2)).toHaveText('1'); // MASK
    await expect(sent.locator('td.size')).toHaveText('6'); // 2 + 4 mask bytes
    // the socket the restart closed: its close frame, decoded as "code reason"
    await expect(framesIn.locator('tr', { hasText: '8 close' }).first().locator('td.preview')).toHaveText(
      '1000 client stopped',
      { timeout: 10_000 },
    );
  });
});
