import { chat, expect, ready, TRANSPORTS, test } from './fixtures.ts';

/** The optional fifth lane: socket.io, on either of its transports, and binary messages in every lane. */
test.describe('the socket.io lane and the binary control', () => {
  for (const via of ['websocket', 'polling'] as const) {
    test(`the socket.io lane over ${via} receives a chat message`, async ({ page }) => {
      await ready(page);
      const lane = page.locator('[data-lane="socketio"]');
      await expect(lane).toBeHidden();
      await page.getByTestId('sio-via').selectOption(via);
      await page.getByTestId('sio-lane').check();
      await expect(lane).toHaveAttribute('data-state', 'open');
      await chat(page, `hello socket.io over ${via}`);
      await expect(lane.locator('li.msg', { hasText: `hello socket.io over ${via}` })).toHaveCount(1);
    });
  }

  test('the binary control sends an image that every lane shows with the same checksum', async ({ page }) => {
    await ready(page);
    await page.getByTestId('sio-lane').check();
    await expect(page.locator('[data-lane="socketio"]')).toHaveAttribute('data-state', 'open');
    await page.getByTestId('binary-kind').selectOption('image');
    await page.getByRole('button', { name: 'Send binary' }).click();
    const status = page.getByTestId('control-status');
    await expect(status).toHaveText(/CRC-32 [0-9a-f]{8}/);
    const crc = /CRC-32 ([0-9a-f]{8})/.exec((await status.textContent()) ?? '')?.[1];
    const size = /: (\d+) bytes/.exec((await status.textContent()) ?? '')?.[1];
    for (const name of [...TRANSPORTS, 'socketio']) {
      const row = page.locator(`[data-lane="${name}"] li.msg`, { hasText: `CRC-32 ${crc}` });
      await expect(row).toHaveCount(1);
      await expect(row).toContainText(`${size} bytes`);
    }
  });

  test('a binary burst over the WebSocket lane shows its bufferedAmount, and every lane the last one', async ({
    page,
  }) => {
    await ready(page);
    await page.getByTestId('binary-kind').selectOption('random');
    await page.getByLabel('bytes', { exact: true }).fill('8192');
    await page.getByLabel('× times').fill('20');
    await page.locator('#publish-via').selectOption('ws');
    await page.getByRole('button', { name: 'Send binary' }).click();
    const status = page.getByTestId('control-status');
    await expect(status).toHaveText(/8192 bytes, CRC-32 [0-9a-f]{8}/);
    // All 20 frames were queued before the first could drain: the peak holds at least one.
    const note = page.getByTestId('lane-note-ws');
    await expect(note).toHaveText(/bufferedAmount \d+ B \(peak \d+ B\)/);
    const peak = Number(/peak (\d+)/.exec((await note.textContent()) ?? '')?.[1]);
    expect(peak).toBeGreaterThanOrEqual(8192);
    const crc = /CRC-32 ([0-9a-f]{8})/.exec((await status.textContent()) ?? '')?.[1];
    for (const name of TRANSPORTS) {
      await expect(page.locator(`[data-lane="${name}"] li.msg`, { hasText: `CRC-32 ${crc}` })).toHaveCount(1);
    }
  });
});
