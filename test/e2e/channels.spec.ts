import { chat, expect, ready, test } from './fixtures.ts';

/** A lane on one channel: the WebSocket lane moves to `/ws/chat`, and the inspector says so. */
test('a lane put on the chat channel reads only chat, and the inspector shows the endpoint it upgraded on', async ({
  page,
}) => {
  await ready(page);
  const ws = page.locator('[data-lane="ws"]');
  const sse = page.locator('[data-lane="sse"]');
  await page.getByTestId('lane-channel-ws').selectOption('chat');
  await expect(ws.locator('li.notice', { hasText: 'now reading: chat' })).toHaveCount(1);
  await expect(ws).toHaveAttribute('data-state', 'open');
  // A burst is `bench`: every lane on all channels gets it, the chat lane none of it.
  await page.getByLabel('Burst size').fill('3');
  await page.getByRole('button', { name: 'Burst' }).click();
  await expect(sse.locator('li.msg', { hasText: 'burst 3/3' })).toHaveCount(1);
  await chat(page, 'for the chat channel');
  await expect(ws.locator('li.msg', { hasText: 'for the chat channel' })).toHaveCount(1);
  await expect(ws.locator('li.msg', { hasText: /^.*burst \d\/3/ })).toHaveCount(0);
  await expect(ws.locator('li.gap')).toHaveCount(0);

  await page.getByRole('tab', { name: 'Wire inspector' }).click();
  await expect(page.getByTestId('inspect-endpoint-ws')).toHaveText(/\/ws\/chat$/, { timeout: 10_000 });
});
